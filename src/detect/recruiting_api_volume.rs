use super::evs::{collect, group_by};
use super::*;
use crate::figures;
use crate::intel::Intel;

pub const DETECTOR: Detector = Detector {
    id: "recruiting-api-volume",
    title: "Applicant calling the career site far more than others",
    phase: Phase::PreRecruitment,
    attack: &["T1594"],
    run,
    kql,
};

/// Robust z-score of a column against its own population: (x - median) / (1.4826 * MAD), falling
/// back to the mean absolute deviation (x 1.2533) when more than half the values are equal.
pub fn robust_z(name: &str) -> Expr {
    let x = col(name).cast(DataType::Float64);
    let med = x.clone().median();
    let mad = (x.clone() - med.clone()).abs().median() * lit(1.4826);
    let meanad = (x.clone() - x.clone().mean()).abs().mean() * lit(1.2533);
    let scale = when(mad.clone().gt(lit(0.0))).then(mad).otherwise(meanad);
    when(scale.clone().gt(lit(0.0)))
        .then((x - med) / scale)
        .otherwise(lit(0.0))
}

fn run(ctx: &Context) -> PolarsResult<Vec<Finding>> {
    let min_z = ctx.config.volume_min_z;
    let stats = ctx
        .events()
        .filter(recruiting_calls().and(col("account").is_not_null()))
        .group_by([col("account")])
        .agg([
            len().alias("calls"),
            col("object").n_unique().alias("requisitions"),
        ])
        .with_columns([
            robust_z("calls").alias("z_calls"),
            robust_z("requisitions").alias("z_reqs"),
            col("calls").median().alias("median_calls"),
        ])
        .filter(
            col("z_calls")
                .gt_eq(lit(min_z))
                .or(col("z_reqs").gt_eq(lit(min_z))),
        )
        .collect()?;
    if stats.height() == 0 {
        return Ok(Vec::new());
    }
    let accounts: Vec<String> = crate::columns::texts(&stats, "account")?
        .into_iter()
        .flatten()
        .collect();
    let calls: Vec<Option<i64>> = stats
        .column("calls")?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .collect();
    let reqs: Vec<Option<i64>> = stats
        .column("requisitions")?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .collect();
    let zc: Vec<Option<f64>> = stats.column("z_calls")?.f64()?.iter().collect();
    let zr: Vec<Option<f64>> = stats.column("z_reqs")?.f64()?.iter().collect();
    let med: Vec<Option<f64>> = stats.column("median_calls")?.f64()?.iter().collect();
    let evs = collect(
        ctx.events()
            .filter(recruiting_calls().and(is_in_list("account", accounts.clone()))),
    )?;
    let by = group_by(&evs, |e| e.account.clone());
    let mut out = Vec::new();
    for (i, a) in accounts.iter().enumerate() {
        let Some(g) = by.get(a) else { continue };
        let person = g[0].person.clone().unwrap_or(a.clone());
        let reason = format!(
            "applicant {a} made {} career-site calls over {} requisitions; the median applicant made {:.0} (robust z {:.1} calls, {:.1} requisitions; threshold {min_z})",
            calls[i].unwrap_or(0), reqs[i].unwrap_or(0), med[i].unwrap_or(0.0), zc[i].unwrap_or(0.0), zr[i].unwrap_or(0.0)
        );
        out.push(finding(&DETECTOR, Severity::Low, &person, g, reason, figures! {
            "calls" => calls[i], "requisitions" => reqs[i], "z_calls" => zc[i].map(round2), "z_requisitions" => zr[i].map(round2), "median_calls" => med[i].map(round2), "threshold" => min_z,
        }));
    }
    Ok(out)
}

/// Two decimals: Polars' parallel sums may differ in the last bits between runs.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn kql(c: &Config, _intel: &Intel) -> String {
    format!(
        "let Applicants = CloudAppEvents\n| where Application == \"Workday\" and IsExternalUser == 1 and ActionType has \"hrrecruiting\"\n| summarize Calls = count(), Requisitions = dcount(ObjectName) by AccountId;\nlet Median = toscalar(Applicants | summarize percentile(Calls, 50));\nlet Mad = toscalar(Applicants | extend Dev = abs(Calls - Median) | summarize percentile(Dev, 50)) * 1.4826;\nApplicants\n| extend Z = iff(Mad > 0, (Calls - Median) / Mad, 0.0)\n| where Z >= {}\n| order by Z desc\n",
        c.volume_min_z
    )
}
