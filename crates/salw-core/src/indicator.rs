//! SDG indicator 16.4.2: the proportion of seized, found or surrendered arms whose illicit origin
//! or context has been traced or established by a competent authority (UN metadata, 2018;
//! DOMAIN.md §7). UN series code `VC_ARM_SZTRACE`, unit percent.
//!
//! Counts are arms (items), one per recovery (a seizure, a find, a surrender) in the period.
//! The rules, each from DOMAIN.md §7:
//! - in the denominator: arms seized in connection with a criminal offence (not administrative
//!   seizures), found, or surrendered;
//! - out of scope entirely: parts, ammunition, antiques, mortars of 100 mm or more;
//! - in the numerator: those whose point of diversion was established, by tracing or by a
//!   competent authority by other means; pending, unsuccessful and not requested count in the
//!   denominator only;
//! - no value when the denominator is 0 (never 0 %); rounded to two decimals;
//! - pooled over years or countries by summing, never by averaging percentages (a mean-of-ratios
//!   figure is given beside it, as the UN publishes some).

use serde::Serialize;

use crate::event::TraceOutcome;

pub const SERIES_CODE: &str = "VC_ARM_SZTRACE";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    Seized,
    Found,
    Surrendered,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A whole firearm or light weapon.
    Weapon,
    Part,
    Ammunition,
}

/// One recovered item, as the registry knows it at the time of computing.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub route: Route,
    /// For a seizure: whether it was in connection with a criminal offence.
    pub criminal: bool,
    pub category: String,
    /// The calibre in millimetres, when known (for the mortar rule).
    pub calibre_mm: Option<f64>,
    pub antique: bool,
    /// Whether the item bears a unique mark (the uniquely-marked variant).
    pub uniquely_marked: bool,
    /// The last tracing outcome recorded for it; None when no trace was asked.
    pub origin: Option<TraceOutcome>,
}

/// Why an item is outside the indicator, when it is.
pub fn excluded(item: &Item) -> Option<&'static str> {
    match item.kind {
        ItemKind::Part => return Some("parts are out of scope (SDG 16.4.2 metadata)"),
        ItemKind::Ammunition => return Some("ammunition is out of scope (SDG 16.4.2 metadata)"),
        ItemKind::Weapon => {}
    }
    if item.antique {
        return Some("antiques are out of scope (SDG 16.4.2 metadata)");
    }
    if item.category.to_lowercase().contains("mortar")
        && item.calibre_mm.is_some_and(|c| c >= 100.0)
    {
        return Some("mortars of 100 mm or more are out of scope (SDG 16.4.2 metadata)");
    }
    if item.route == Route::Seized && !item.criminal {
        return Some("an administrative seizure does not count (SDG 16.4.2 metadata)");
    }
    None
}

/// The calibre in millimetres from how it is written: "120mm", "81 mm", "7.62x39" (7.62),
/// ".50 BMG" (12.7: inches), "12 gauge" (None).
pub fn calibre_mm(text: &str) -> Option<f64> {
    let t = text.trim().to_lowercase();
    // Shotgun gauges are not millimetres.
    let gauge = t.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        w == "gauge"
            || w.strip_suffix("ga")
                .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
    });
    if gauge {
        return None;
    }
    let number: String = t
        .trim_start_matches('.')
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    let value: f64 = number.parse().ok()?;
    if t.starts_with('.') {
        // Inch calibres are written .22, .303, .50: hundredths or thousandths of an inch.
        let digits = number.len() as i32;
        return Some(value / 10f64.powi(digits) * 25.4);
    }
    Some(value)
}

/// Which arms a computation counts: the UN metadata's, or a national one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub name: &'static str,
    pub description: &'static str,
    /// Count only uniquely marked arms in the denominator ("potentially traceable" arms, as in
    /// Spain's national definition).
    pub marked_only: bool,
}

pub const PROFILES: &[Profile] = &[
    Profile {
        name: "un-2018",
        description: "UN metadata (2018): arms seized in criminal cases, found or surrendered; parts, ammunition, antiques and mortars of 100 mm or more out of scope",
        marked_only: false,
    },
    Profile {
        name: "potentially-traceable",
        description: "as un-2018, with only uniquely marked arms in the denominator (a national definition, e.g. Spain's)",
        marked_only: true,
    },
];

pub fn profile(name: &str) -> Result<Profile, String> {
    PROFILES
        .iter()
        .copied()
        .find(|p| p.name == name)
        .ok_or_else(|| {
            format!(
                "'{name}' is not a profile; the profiles are {}",
                PROFILES
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// A ratio with its value: no value when the denominator is 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ratio {
    pub numerator: u64,
    pub denominator: u64,
    pub percent: Option<f64>,
}

pub fn ratio(numerator: u64, denominator: u64) -> Ratio {
    Ratio {
        numerator,
        denominator,
        percent: percent(numerator, denominator),
    }
}

/// Rounded to two decimals; None when the denominator is 0 (DOMAIN.md §7: never 0 %).
pub fn percent(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| round2(numerator as f64 * 100.0 / denominator as f64))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NotEstablished {
    pub pending: u64,
    pub unsuccessful: u64,
    pub not_attempted: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdowns {
    pub seized: Ratio,
    pub found: Ratio,
    pub surrendered: Ratio,
    /// Established by tracing, over the whole denominator.
    pub by_tracing: Ratio,
    /// Established by other means (intelligence…), over the whole denominator.
    pub by_other_means: Ratio,
    pub not_established: NotEstablished,
    /// The same indicator over uniquely marked arms only.
    pub uniquely_marked: Ratio,
    /// Items left out, by reason: the most left out first, then by reason.
    pub excluded: Vec<(String, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub numerator: u64,
    pub denominator: u64,
    pub percent: Option<f64>,
    pub profile: &'static str,
    pub breakdowns: Breakdowns,
}

fn established(origin: Option<TraceOutcome>) -> bool {
    matches!(
        origin,
        Some(TraceOutcome::EstablishedByTracing | TraceOutcome::EstablishedByOtherMeans)
    )
}

#[derive(Default)]
struct Tally {
    n: u64,
    d: u64,
}

impl Tally {
    fn add(&mut self, established: bool) {
        self.d += 1;
        self.n += u64::from(established);
    }
    fn ratio(&self) -> Ratio {
        ratio(self.n, self.d)
    }
}

/// The indicator over `items` by `profile`.
pub fn compute<'a>(items: impl IntoIterator<Item = &'a Item>, profile: Profile) -> Indicator {
    let (mut all, mut seized, mut found, mut surrendered, mut marked) = (
        Tally::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
        Tally::default(),
    );
    let (mut tracing, mut other) = (0u64, 0u64);
    let mut not = NotEstablished::default();
    let mut excluded_by: Vec<(String, u64)> = Vec::new();
    for item in items {
        let reason = excluded(item).or_else(|| {
            (profile.marked_only && !item.uniquely_marked)
                .then_some("not uniquely marked (profile potentially-traceable)")
        });
        if let Some(reason) = reason {
            match excluded_by.iter_mut().find(|(r, _)| r == reason) {
                Some((_, n)) => *n += 1,
                None => excluded_by.push((reason.to_owned(), 1)),
            }
            continue;
        }
        let ok = established(item.origin);
        all.add(ok);
        match item.route {
            Route::Seized => seized.add(ok),
            Route::Found => found.add(ok),
            Route::Surrendered => surrendered.add(ok),
        }
        if item.uniquely_marked {
            marked.add(ok);
        }
        match item.origin {
            Some(TraceOutcome::EstablishedByTracing) => tracing += 1,
            Some(TraceOutcome::EstablishedByOtherMeans) => other += 1,
            Some(TraceOutcome::Pending) => not.pending += 1,
            Some(TraceOutcome::Unsuccessful) => not.unsuccessful += 1,
            None => not.not_attempted += 1,
        }
    }
    // Largest first, then by reason: the same figures whatever order the records came in.
    excluded_by.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Indicator {
        numerator: all.n,
        denominator: all.d,
        percent: percent(all.n, all.d),
        profile: profile.name,
        breakdowns: Breakdowns {
            seized: seized.ratio(),
            found: found.ratio(),
            surrendered: surrendered.ratio(),
            by_tracing: ratio(tracing, all.d),
            by_other_means: ratio(other, all.d),
            not_established: not,
            uniquely_marked: marked.ratio(),
            excluded: excluded_by,
        },
    }
}

/// Several periods or countries together: sums, then the ratio (SDG 16.4.2 metadata), with the mean
/// of the parts' percentages beside it (parts without a value are left out of the mean).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pooled {
    pub numerator: u64,
    pub denominator: u64,
    pub percent: Option<f64>,
    pub mean_of_ratios_percent: Option<f64>,
}

pub fn pool(parts: &[(u64, u64)]) -> Pooled {
    let numerator = parts.iter().map(|(n, _)| n).sum();
    let denominator = parts.iter().map(|(_, d)| d).sum();
    let ratios: Vec<f64> = parts
        .iter()
        .filter(|(_, d)| *d > 0)
        .map(|(n, d)| *n as f64 * 100.0 / *d as f64)
        .collect();
    Pooled {
        numerator,
        denominator,
        percent: percent(numerator, denominator),
        mean_of_ratios_percent: (!ratios.is_empty())
            .then(|| round2(ratios.iter().sum::<f64>() / ratios.len() as f64)),
    }
}

/// Figures as a questionnaire return gives them (typed or imported), checked for consistency
/// before anything is computed from them, as the UNODC questionnaire's own checks do.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Return {
    pub seized_total: u64,
    #[serde(default)]
    pub seized_small_arms: Option<u64>,
    #[serde(default)]
    pub seized_light_weapons: Option<u64>,
    #[serde(default)]
    pub seized_criminal: Option<u64>,
    #[serde(default)]
    pub seized_administrative: Option<u64>,
    #[serde(default)]
    pub found: u64,
    #[serde(default)]
    pub surrendered: u64,
    #[serde(default)]
    pub established_by_tracing: u64,
    #[serde(default)]
    pub established_other_means: u64,
}

/// A sub-total that does not add up, naming the figures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("inconsistent figures: {0}")]
pub struct Inconsistent(pub String);

impl Return {
    /// Checks that parts do not exceed (and, when all are given, equal) their totals.
    pub fn check(&self) -> Result<(), Inconsistent> {
        let mut problems = Vec::new();
        let pairs = [
            (
                "seized_small_arms + seized_light_weapons",
                self.seized_small_arms,
                self.seized_light_weapons,
            ),
            (
                "seized_criminal + seized_administrative",
                self.seized_criminal,
                self.seized_administrative,
            ),
        ];
        for (what, a, b) in pairs {
            match (a, b) {
                (Some(a), Some(b)) if a + b != self.seized_total => problems.push(format!(
                    "{what} = {a} + {b} = {}, but seized_total is {}",
                    a + b,
                    self.seized_total
                )),
                (Some(x), None) | (None, Some(x)) if x > self.seized_total => {
                    problems.push(format!(
                        "a part of {what} is {x}, more than seized_total {}",
                        self.seized_total
                    ))
                }
                _ => {}
            }
        }
        let denominator = self.denominator();
        let numerator = self.established_by_tracing + self.established_other_means;
        if numerator > denominator {
            problems.push(format!(
                "established_by_tracing + established_other_means = {numerator}, more than the arms in scope ({denominator})"
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Inconsistent(problems.join("; ")))
        }
    }

    /// Criminal seizures (all seizures when the split is not given), found and surrendered.
    pub fn denominator(&self) -> u64 {
        self.seized_criminal.unwrap_or(self.seized_total) + self.found + self.surrendered
    }

    pub fn ratio(&self) -> Result<Ratio, Inconsistent> {
        self.check()?;
        Ok(ratio(
            self.established_by_tracing + self.established_other_means,
            self.denominator(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(route: Route, origin: Option<TraceOutcome>) -> Item {
        Item {
            kind: ItemKind::Weapon,
            route,
            criminal: true,
            category: "self-loading pistol".into(),
            calibre_mm: Some(9.0),
            antique: false,
            uniquely_marked: true,
            origin,
        }
    }

    fn un() -> Profile {
        profile("un-2018").expect("profile")
    }

    #[test]
    fn the_reasons_left_out_do_not_depend_on_the_order_of_the_records() {
        let antique = Item {
            antique: true,
            ..item(Route::Found, None)
        };
        let administrative = Item {
            criminal: false,
            ..item(Route::Seized, None)
        };
        let one = compute([&antique, &administrative, &administrative], un());
        let other = compute([&administrative, &antique, &administrative], un());
        assert_eq!(one.breakdowns.excluded, other.breakdowns.excluded);
        // The most left out first.
        assert_eq!(one.breakdowns.excluded[0].1, 2);
        assert_eq!(one.breakdowns.excluded[1].1, 1);
    }

    #[test]
    fn each_inclusion_rule_on_its_own() {
        let base = item(Route::Seized, Some(TraceOutcome::EstablishedByTracing));
        assert_eq!(compute([&base], un()).denominator, 1);
        let cases: Vec<(&str, Item)> = vec![
            (
                "administrative seizure",
                Item {
                    criminal: false,
                    ..base.clone()
                },
            ),
            (
                "part",
                Item {
                    kind: ItemKind::Part,
                    ..base.clone()
                },
            ),
            (
                "ammunition",
                Item {
                    kind: ItemKind::Ammunition,
                    ..base.clone()
                },
            ),
            (
                "antique",
                Item {
                    antique: true,
                    ..base.clone()
                },
            ),
            (
                "120 mm mortar",
                Item {
                    category: "mortar".into(),
                    calibre_mm: Some(120.0),
                    ..base.clone()
                },
            ),
            (
                "100 mm mortar",
                Item {
                    category: "mortar".into(),
                    calibre_mm: Some(100.0),
                    ..base.clone()
                },
            ),
        ];
        for (what, excluded_item) in cases {
            let r = compute([&excluded_item], un());
            assert_eq!(
                (r.numerator, r.denominator, r.percent),
                (0, 0, None),
                "{what}"
            );
            assert_eq!(
                r.breakdowns.excluded.len(),
                1,
                "{what}: the reason is counted"
            );
        }
        let kept: Vec<(&str, Item)> = vec![
            (
                "81 mm mortar",
                Item {
                    category: "mortar".into(),
                    calibre_mm: Some(81.0),
                    ..base.clone()
                },
            ),
            (
                "found, not criminal",
                Item {
                    route: Route::Found,
                    criminal: false,
                    ..base.clone()
                },
            ),
            (
                "surrendered",
                Item {
                    route: Route::Surrendered,
                    ..base.clone()
                },
            ),
            (
                "unmarked",
                Item {
                    uniquely_marked: false,
                    ..base.clone()
                },
            ),
        ];
        for (what, kept_item) in kept {
            assert_eq!(compute([&kept_item], un()).denominator, 1, "{what}");
        }
        // Numerator: both routes to an established origin; nothing else.
        for (origin, n) in [
            (Some(TraceOutcome::EstablishedByTracing), 1),
            (Some(TraceOutcome::EstablishedByOtherMeans), 1),
            (Some(TraceOutcome::Pending), 0),
            (Some(TraceOutcome::Unsuccessful), 0),
            (None, 0),
        ] {
            let r = compute([&item(Route::Found, origin)], un());
            assert_eq!((r.numerator, r.denominator), (n, 1), "{origin:?}");
        }
    }

    #[test]
    fn the_potentially_traceable_profile_keeps_only_marked_arms() {
        let marked = item(Route::Seized, None);
        let unmarked = Item {
            uniquely_marked: false,
            ..marked.clone()
        };
        let p = profile("potentially-traceable").expect("profile");
        assert_eq!(compute([&marked, &unmarked], p).denominator, 1);
        assert_eq!(compute([&marked, &unmarked], un()).denominator, 2);
        assert!(profile("spanish").unwrap_err().contains("un-2018"));
    }

    #[test]
    fn calibres_are_read_in_millimetres() {
        assert_eq!(calibre_mm("120mm"), Some(120.0));
        assert_eq!(calibre_mm("81 mm"), Some(81.0));
        assert_eq!(calibre_mm("7.62x39"), Some(7.62));
        assert_eq!(calibre_mm("12 gauge"), None);
        let fifty = calibre_mm(".50 BMG").expect("inches");
        assert!((fifty - 12.7).abs() < 0.01, "{fifty}");
        assert_eq!(calibre_mm("unknown"), None);
    }

    #[test]
    fn percentages_round_to_two_decimals_and_an_empty_denominator_has_no_value() {
        assert_eq!(percent(1, 3), Some(33.33));
        assert_eq!(percent(2, 3), Some(66.67));
        assert_eq!(percent(0, 0), None);
        assert_eq!(percent(0, 5), Some(0.0));
    }
}
