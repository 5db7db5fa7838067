//! Where an event happened, offline: the row's own coordinates, else a city or country centroid
//! shipped in the binary, else the IP's registry country (iptocc). Every location carries its
//! precision and an uncertainty radius that impossible-travel subtracts from distances.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::OnceLock;

/// How a location was obtained, from most to least precise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    Coordinates,
    City,
    Country,
    Registry,
}

impl Precision {
    pub fn name(self) -> &'static str {
        match self {
            Precision::Coordinates => "coordinates",
            Precision::City => "city",
            Precision::Country => "country",
            Precision::Registry => "registry",
        }
    }
}

/// Uncertainty of coordinates that sign-in logs give: they are the centroid of the IP's city.
pub const COORDINATE_RADIUS_KM: f64 = 25.0;
/// Uncertainty of a city centroid.
pub const CITY_RADIUS_KM: f64 = 50.0;

#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    pub lat: f64,
    pub lon: f64,
    pub country: Option<String>,
    pub precision: Precision,
    pub radius_km: f64,
}

struct Tables {
    countries: HashMap<String, (f64, f64, f64)>,
    cities: HashMap<(String, String), (f64, f64)>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let mut countries = HashMap::new();
        for line in include_str!("countries.csv")
            .lines()
            .filter(|l| !l.starts_with('#'))
        {
            let f: Vec<&str> = line.split(',').collect();
            if let [cc, lat, lon, r] = f[..] {
                if let (Ok(lat), Ok(lon), Ok(r)) = (lat.parse(), lon.parse(), r.parse()) {
                    countries.insert(cc.to_string(), (lat, lon, r));
                }
            }
        }
        let mut cities = HashMap::new();
        for line in include_str!("cities.csv")
            .lines()
            .filter(|l| !l.starts_with('#'))
        {
            let f: Vec<&str> = line.split(',').collect();
            if let [city, cc, lat, lon] = f[..] {
                if let (Ok(lat), Ok(lon)) = (lat.parse(), lon.parse()) {
                    cities.insert((city.to_string(), cc.to_string()), (lat, lon));
                }
            }
        }
        Tables { countries, cities }
    })
}

/// The registry country of an IP (RIR allocation), or None for private and unknown space.
pub fn registry_country(ip: &IpAddr) -> Option<&'static str> {
    iptocc::country_code(*ip)
}

/// Normalises a country spelling to ISO alpha-2 upper case where it already is a two-letter code.
pub fn normalize_country(text: &str) -> Option<String> {
    let t = text.trim();
    if t.len() == 2 && t.bytes().all(|b| b.is_ascii_alphabetic()) {
        Some(t.to_ascii_uppercase())
    } else {
        None
    }
}

/// Locates an event from what its row carries, in the order DATA.md gives.
pub fn locate(
    coords: Option<(f64, f64)>,
    city: Option<&str>,
    country: Option<&str>,
    ip: Option<&IpAddr>,
) -> Option<Place> {
    let country = country.and_then(normalize_country);
    if let Some((lat, lon)) = coords {
        if lat.is_finite()
            && lon.is_finite()
            && lat.abs() <= 90.0
            && lon.abs() <= 180.0
            && (lat, lon) != (0.0, 0.0)
        {
            return Some(Place {
                lat,
                lon,
                country,
                precision: Precision::Coordinates,
                radius_km: COORDINATE_RADIUS_KM,
            });
        }
    }
    let t = tables();
    if let (Some(city), Some(cc)) = (city, country.as_deref()) {
        if let Some(&(lat, lon)) = t.cities.get(&(city.trim().to_lowercase(), cc.to_string())) {
            return Some(Place {
                lat,
                lon,
                country: Some(cc.to_string()),
                precision: Precision::City,
                radius_km: CITY_RADIUS_KM,
            });
        }
    }
    if let Some(cc) = country.as_deref() {
        if let Some(&(lat, lon, r)) = t.countries.get(cc) {
            return Some(Place {
                lat,
                lon,
                country: Some(cc.to_string()),
                precision: Precision::Country,
                radius_km: r,
            });
        }
    }
    let cc = registry_country(ip?)?;
    let &(lat, lon, r) = t.countries.get(cc)?;
    Some(Place {
        lat,
        lon,
        country: Some(cc.to_string()),
        precision: Precision::Registry,
        radius_km: r,
    })
}

/// Great-circle distance in km (haversine, R = 6371 km).
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_york_to_london() {
        let d = haversine_km(40.7128, -74.0060, 51.5074, -0.1278);
        assert!((d - 5570.0).abs() < 15.0, "{d}");
    }

    #[test]
    fn precision_order() {
        let ip: IpAddr = "175.45.176.99".parse().unwrap();
        let p = locate(Some((32.03, 34.80)), Some("Azor"), Some("IL"), Some(&ip)).unwrap();
        assert_eq!(p.precision, Precision::Coordinates);
        let p = locate(None, Some("Chicago"), Some("us"), Some(&ip)).unwrap();
        assert_eq!(p.precision, Precision::City);
        let p = locate(None, Some("Nowhere"), Some("DE"), Some(&ip)).unwrap();
        assert_eq!(p.precision, Precision::Country);
        let p = locate(None, None, None, Some(&ip)).unwrap();
        assert_eq!(
            (p.precision, p.country.as_deref()),
            (Precision::Registry, Some("KP"))
        );
        assert!(locate(None, None, None, Some(&"10.1.2.3".parse().unwrap())).is_none());
    }
}
