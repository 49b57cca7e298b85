//! The Arms Trade Treaty annual report's SALW part (DOMAIN.md §8): category VIII exports and
//! imports of a year, by sub-category and partner State, in number of items.
//!
//! Which ATT sub-category a weapon falls in is data (`MAPPING`), from salw's category names
//! (DOMAIN.md §2). A weapon whose category has no sub-category (a category a node added,
//! MANPADS, which the ATT reports elsewhere, a mortar of 75 mm or more or of unknown calibre)
//! is listed apart with the reason, never dropped. Pure: the transfers come from the caller.

use serde::Serialize;

use crate::category::{WeaponClass, fold_name};

word_enum! {
    /// The ATT reporting template's category VIII sub-categories, in the template's order.
    pub enum AttSubCategory {
        RevolversPistols => "revolvers_and_self_loading_pistols",
        RiflesCarbines => "rifles_and_carbines",
        SubMachineGuns => "sub_machine_guns",
        AssaultRifles => "assault_rifles",
        LightMachineGuns => "light_machine_guns",
        SmallArmsOther => "small_arms_others",
        HeavyMachineGuns => "heavy_machine_guns",
        GrenadeLaunchers => "grenade_launchers",
        AntiTankGuns => "portable_anti_tank_guns",
        RecoillessRifles => "recoilless_rifles",
        AntiTankLaunchers => "portable_anti_tank_missile_and_rocket_launchers",
        Mortars => "mortars_below_75_mm",
        LightWeaponsOther => "light_weapons_others",
    }
}

impl AttSubCategory {
    pub fn class(self) -> WeaponClass {
        use AttSubCategory::*;
        match self {
            RevolversPistols | RiflesCarbines | SubMachineGuns | AssaultRifles
            | LightMachineGuns | SmallArmsOther => WeaponClass::SmallArm,
            _ => WeaponClass::LightWeapon,
        }
    }

    /// The template's wording.
    pub fn label(self) -> &'static str {
        use AttSubCategory::*;
        match self {
            RevolversPistols => "Revolvers and self-loading pistols",
            RiflesCarbines => "Rifles and carbines",
            SubMachineGuns => "Sub-machine guns",
            AssaultRifles => "Assault rifles",
            LightMachineGuns => "Light machine guns",
            SmallArmsOther => "Small arms: others",
            HeavyMachineGuns => "Heavy machine guns",
            GrenadeLaunchers => "Hand-held under-barrel and mounted grenade launchers",
            AntiTankGuns => "Portable anti-tank guns",
            RecoillessRifles => "Recoilless rifles",
            AntiTankLaunchers => "Portable launchers of anti-tank missile and rocket systems",
            Mortars => "Mortars of calibres less than 75 mm",
            LightWeaponsOther => "Light weapons: others",
        }
    }
}

/// Where a salw category goes in the ATT report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapping {
    To(AttSubCategory),
    /// Mortars: below 75 mm (the UN Register/ATT cut-off, DOMAIN.md §2, unverified) they are
    /// category VIII; otherwise, or when the calibre is not known, listed apart.
    MortarByCalibre,
    /// Not a category VIII sub-category; the reason is shown where the weapon is listed apart.
    Apart(&'static str),
}

/// The mortar cut-off of the ATT/UN Register SALW sub-categories, in mm (DOMAIN.md §2).
pub const MORTAR_CUT_OFF_MM: f64 = 75.0;

/// salw's categories (category.rs, ITI para 4) to ATT sub-categories.
pub const MAPPING: &[(&str, Mapping)] = {
    use AttSubCategory::*;
    use Mapping::*;
    &[
        ("revolver", To(RevolversPistols)),
        ("self-loading pistol", To(RevolversPistols)),
        ("rifle", To(RiflesCarbines)),
        ("carbine", To(RiflesCarbines)),
        ("sub-machine gun", To(SubMachineGuns)),
        ("assault rifle", To(AssaultRifles)),
        ("light machine gun", To(LightMachineGuns)),
        // A small arm the template does not name.
        ("shotgun", To(SmallArmsOther)),
        ("heavy machine gun", To(HeavyMachineGuns)),
        ("grenade launcher", To(GrenadeLaunchers)),
        // A light weapon the template does not name.
        ("portable anti-aircraft gun", To(LightWeaponsOther)),
        ("portable anti-tank gun", To(AntiTankGuns)),
        ("recoilless rifle", To(RecoillessRifles)),
        ("portable anti-tank missile launcher", To(AntiTankLaunchers)),
        ("portable anti-tank rocket launcher", To(AntiTankLaunchers)),
        (
            "portable anti-aircraft missile launcher",
            Apart(
                "MANPADS are reported under category VII (missiles and missile launchers), not VIII",
            ),
        ),
        ("mortar", MortarByCalibre),
    ]
};

/// The sub-category of a weapon of `category` (any spelling `fold_name` accepts) and calibre,
/// or why it has none.
pub fn sub_category(category: &str, calibre_mm: Option<f64>) -> Result<AttSubCategory, String> {
    let name = fold_name(category);
    let mapping = MAPPING
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, m)| *m)
        .ok_or_else(|| format!("category '{name}' has no ATT sub-category"))?;
    match mapping {
        Mapping::To(s) => Ok(s),
        Mapping::Apart(reason) => Err(reason.to_owned()),
        Mapping::MortarByCalibre => match calibre_mm {
            Some(mm) if mm < MORTAR_CUT_OFF_MM => Ok(AttSubCategory::Mortars),
            Some(mm) => Err(format!(
                "a mortar of {mm} mm: category VIII counts mortars below {MORTAR_CUT_OFF_MM} mm"
            )),
            None => Err(format!(
                "a mortar of unknown calibre: category VIII counts mortars below {MORTAR_CUT_OFF_MM} mm"
            )),
        },
    }
}

word_enum! {
    pub enum Direction {
        Export => "export",
        Import => "import",
    }
}

/// One weapon exported or imported: an `exported` or `imported` event of the year that no
/// correction superseded, with what the report needs of its weapon.
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub direction: Direction,
    /// Export: the State of destination; import: the State exported from (ISO 3166 alpha-2).
    pub partner: String,
    pub weapon_id: String,
    pub weapon_reference: Option<String>,
    pub category: String,
    pub calibre_mm: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub sub_category: AttSubCategory,
    pub class: WeaponClass,
    pub label: &'static str,
    pub partner: String,
    pub items: u64,
}

/// A weapon exported or imported that has no category VIII sub-category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Apart {
    pub direction: Direction,
    pub partner: String,
    pub weapon_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weapon_reference: Option<String>,
    pub category: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttReport {
    pub report: &'static str,
    pub category: &'static str,
    pub year: i32,
    pub country: String,
    /// By sub-category (template order), then partner.
    pub exports: Vec<Row>,
    pub imports: Vec<Row>,
    pub exported_items: u64,
    pub imported_items: u64,
    /// Weapons exported or imported in the year with no category VIII sub-category.
    pub listed_apart: Vec<Apart>,
}

/// The report from the year's transfers: every transfer is in one row's `items` or in
/// `listed_apart`.
pub fn compute(transfers: &[Transfer], year: i32, country: &str) -> AttReport {
    use std::collections::BTreeMap;
    let mut counts: BTreeMap<(Direction, AttSubCategory, &str), u64> = BTreeMap::new();
    let mut listed_apart = Vec::new();
    for t in transfers {
        match sub_category(&t.category, t.calibre_mm) {
            Ok(s) => *counts.entry((t.direction, s, &t.partner)).or_default() += 1,
            Err(reason) => listed_apart.push(Apart {
                direction: t.direction,
                partner: t.partner.clone(),
                weapon_id: t.weapon_id.clone(),
                weapon_reference: t.weapon_reference.clone(),
                category: fold_name(&t.category),
                reason,
            }),
        }
    }
    listed_apart.sort_by(|a, b| {
        (a.direction, &a.partner, &a.weapon_id).cmp(&(b.direction, &b.partner, &b.weapon_id))
    });
    let rows = |d: Direction| -> Vec<Row> {
        counts
            .iter()
            .filter(|((dir, _, _), _)| *dir == d)
            .map(|((_, s, partner), n)| Row {
                sub_category: *s,
                class: s.class(),
                label: s.label(),
                partner: (*partner).to_owned(),
                items: *n,
            })
            .collect()
    };
    let exports = rows(Direction::Export);
    let imports = rows(Direction::Import);
    AttReport {
        report: "att-annual",
        category: "VIII",
        year,
        country: country.to_owned(),
        exported_items: exports.iter().map(|r| r.items).sum(),
        imported_items: imports.iter().map(|r| r.items).sum(),
        exports,
        imports,
        listed_apart,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::category::CategorySet;

    #[test]
    fn the_mapping_covers_every_built_in_category_and_names_only_known_ones() {
        let set = CategorySet::default();
        for def in set.all() {
            assert!(
                MAPPING.iter().any(|(n, _)| *n == def.name),
                "category '{}' is not in the ATT mapping",
                def.name
            );
        }
        for (name, mapping) in MAPPING {
            let def = set
                .get(name)
                .unwrap_or_else(|| panic!("'{name}' is not a salw category"));
            // A sub-category is of the same class as the category.
            if let Mapping::To(s) = mapping {
                assert_eq!(s.class(), def.class, "{name}");
            }
        }
        // Every sub-category but `others` and mortars is reached by some category.
        for s in AttSubCategory::ALL {
            let reached = MAPPING.iter().any(|(_, m)| *m == Mapping::To(*s))
                || *s == AttSubCategory::Mortars
                || *s == AttSubCategory::SmallArmsOther;
            assert!(reached, "{s}");
        }
    }

    #[test]
    fn the_mapping_as_data() {
        use AttSubCategory::*;
        let cases = [
            ("Revolver", None, Ok(RevolversPistols)),
            ("self-loading_pistol", None, Ok(RevolversPistols)),
            ("carbine", None, Ok(RiflesCarbines)),
            ("assault rifle", None, Ok(AssaultRifles)),
            ("sub-machine gun", None, Ok(SubMachineGuns)),
            ("light machine gun", None, Ok(LightMachineGuns)),
            ("shotgun", None, Ok(SmallArmsOther)),
            ("heavy machine gun", None, Ok(HeavyMachineGuns)),
            ("grenade launcher", None, Ok(GrenadeLaunchers)),
            ("portable anti-aircraft gun", None, Ok(LightWeaponsOther)),
            ("portable anti-tank gun", None, Ok(AntiTankGuns)),
            ("recoilless rifle", None, Ok(RecoillessRifles)),
            (
                "portable anti-tank rocket launcher",
                None,
                Ok(AntiTankLaunchers),
            ),
            ("mortar", Some(60.0), Ok(Mortars)),
        ];
        for (category, mm, want) in cases {
            assert_eq!(sub_category(category, mm), want, "{category}");
        }
        for (category, mm, reason) in [
            ("mortar", Some(81.0), "81 mm"),
            ("mortar", Some(75.0), "75 mm"),
            ("mortar", None, "unknown calibre"),
            (
                "portable anti-aircraft missile launcher",
                None,
                "category VII",
            ),
            (
                "flamethrower",
                None,
                "'flamethrower' has no ATT sub-category",
            ),
        ] {
            let e = sub_category(category, mm).expect_err(category);
            assert!(e.contains(reason), "{category}: {e}");
        }
    }

    fn t(direction: Direction, partner: &str, id: &str, category: &str) -> Transfer {
        Transfer {
            direction,
            partner: partner.into(),
            weapon_id: id.into(),
            weapon_reference: None,
            category: category.into(),
            calibre_mm: None,
        }
    }

    #[test]
    fn counts_by_direction_sub_category_and_partner_and_lists_the_rest_apart() {
        use Direction::*;
        let transfers = [
            t(Export, "UG", "1", "rifle"),
            t(Export, "UG", "2", "carbine"),
            t(Export, "TZ", "3", "rifle"),
            t(Export, "UG", "4", "revolver"),
            t(Import, "UG", "5", "rifle"),
            t(Import, "DE", "6", "flamethrower"),
            t(Export, "TZ", "7", "mortar"),
        ];
        let r = compute(&transfers, 2025, "KE");
        let rows: Vec<_> = r
            .exports
            .iter()
            .map(|r| (r.sub_category.as_str(), r.partner.as_str(), r.items))
            .collect();
        assert_eq!(
            rows,
            [
                ("revolvers_and_self_loading_pistols", "UG", 1),
                ("rifles_and_carbines", "TZ", 1),
                ("rifles_and_carbines", "UG", 2),
            ]
        );
        assert_eq!(r.imports.len(), 1);
        assert_eq!(r.imports[0].items, 1);
        assert_eq!((r.exported_items, r.imported_items), (4, 1));
        let apart: Vec<_> = r
            .listed_apart
            .iter()
            .map(|a| (a.direction, a.weapon_id.as_str()))
            .collect();
        assert_eq!(apart, [(Export, "7"), (Import, "6")]);
        // Nothing dropped.
        assert_eq!(
            r.exported_items + r.imported_items + r.listed_apart.len() as u64,
            transfers.len() as u64
        );
    }
}
