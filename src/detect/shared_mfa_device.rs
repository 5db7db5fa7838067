use super::evs::{collect, group_by};
use super::*;
use crate::figures;
use crate::intel::Intel;
use std::collections::BTreeSet;

pub const DETECTOR: Detector = Detector {
    id: "shared-mfa-device",
    title: "One device signing in for several people",
    phase: Phase::PostHire,
    attack: &["T1078"],
    run,
    kql,
};

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let signins = signin_rows();
    let shared = ctx
        .events()
        .filter(
            signins
                .clone()
                .and(col("device_id").is_not_null())
                .and(col("person").is_not_null()),
        )
        .group_by([col("device_id")])
        .agg([col("person").n_unique().alias("people")])
        .filter(col("people").gt_eq(lit(ctx.config.device_min_accounts as u32)))
        .collect()?;
    let devices: Vec<String> = crate::columns::texts(&shared, "device_id")?
        .into_iter()
        .flatten()
        .collect();
    if devices.is_empty() {
        return Ok(Vec::new());
    }
    let evs = collect(
        ctx.events()
            .filter(signins.and(is_in_list("device_id", devices))),
    )?;
    let mut out = Vec::new();
    for (device, g) in group_by(&evs, |e| e.device_id.clone()) {
        let people: BTreeSet<String> = g.iter().filter_map(|e| e.person.clone()).collect();
        let accounts: BTreeSet<String> = g.iter().filter_map(|e| e.account.clone()).collect();
        for p in &people {
            let mine: Vec<&Ev> = g
                .iter()
                .copied()
                .filter(|e| e.person.as_ref() == Some(p))
                .collect();
            let reason = format!(
                "device {device} completed {} sign-ins for {} people ({}); limit {}",
                g.len(),
                people.len(),
                list(accounts.iter().cloned(), 4),
                ctx.config.device_min_accounts
            );
            let mut f = finding(
                &DETECTOR,
                Severity::High,
                p,
                &mine,
                reason,
                figures! {"device_id" => device, "people" => people.len(), "accounts" => accounts, "sign_ins" => g.len()},
            );
            f.members = people.iter().cloned().collect();
            out.push(f);
        }
    }
    Ok(out)
}

fn kql(c: &Config, _intel: &Intel) -> String {
    format!(
        "EntraIdSignInEvents\n| where isnotempty(EntraIdDeviceId)\n| summarize Accounts = make_set(AccountUpn), AccountCount = dcount(AccountUpn), SignIns = count() by EntraIdDeviceId\n| where AccountCount >= {}\n",
        c.device_min_accounts
    )
}
