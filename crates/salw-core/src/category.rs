//! Weapon categories. The ITI lists (para 4) are "inter alia", so the set is extensible: a node
//! can define more categories, each with its class and its UNODC firearm type.

use serde::{Deserialize, Serialize};

word_enum! {
    /// ITI para 4: small arms are for individual use, light weapons for a crew of two or three.
    pub enum WeaponClass {
        SmallArm => "small_arm",
        LightWeapon => "light_weapon",
    }
}

word_enum! {
    /// The firearm types of UNODC statistics (DOMAIN.md §2).
    pub enum UnodcType {
        Pistol => "pistol",
        Revolver => "revolver",
        Rifle => "rifle",
        Shotgun => "shotgun",
        SubMachineGun => "sub_machine_gun",
        MachineGun => "machine_gun",
        CombinationGun => "combination_gun",
        Other => "other",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryDef {
    /// Lower-case name, as written in records ("assault rifle").
    pub name: String,
    pub class: WeaponClass,
    /// The UNODC type a weapon of this category has unless its record says otherwise.
    pub unodc_type: UnodcType,
}

/// The ITI categories (para 4), plus shotguns, which UNODC statistics use.
const ITI: &[(&str, WeaponClass, UnodcType)] = {
    use UnodcType::*;
    use WeaponClass::*;
    &[
        ("revolver", SmallArm, Revolver),
        ("self-loading pistol", SmallArm, Pistol),
        ("rifle", SmallArm, Rifle),
        ("carbine", SmallArm, Rifle),
        ("sub-machine gun", SmallArm, SubMachineGun),
        ("assault rifle", SmallArm, Rifle),
        ("light machine gun", SmallArm, MachineGun),
        ("shotgun", SmallArm, Shotgun),
        ("heavy machine gun", LightWeapon, MachineGun),
        ("grenade launcher", LightWeapon, Other),
        ("portable anti-aircraft gun", LightWeapon, Other),
        ("portable anti-tank gun", LightWeapon, Other),
        ("recoilless rifle", LightWeapon, Other),
        ("portable anti-tank missile launcher", LightWeapon, Other),
        ("portable anti-tank rocket launcher", LightWeapon, Other),
        (
            "portable anti-aircraft missile launcher",
            LightWeapon,
            Other,
        ),
        ("mortar", LightWeapon, Other),
    ]
};

/// The name under which a category is compared: lower case, single spaces, `_` read as space.
pub fn fold_name(name: &str) -> String {
    fold_name_cow(name).into_owned()
}

/// As `fold_name`, borrowing the name when it is folded already (as most names of a bulk
/// import are).
pub fn fold_name_cow(name: &str) -> std::borrow::Cow<'_, str> {
    let bytes = name.as_bytes();
    let folded = bytes.iter().all(|b| {
        b.is_ascii()
            && !b.is_ascii_uppercase()
            && *b != b'_'
            && (*b == b' ' || !char::from(*b).is_whitespace())
    }) && bytes.first() != Some(&b' ')
        && bytes.last() != Some(&b' ')
        && !name.contains("  ");
    if folded {
        return std::borrow::Cow::Borrowed(name);
    }
    std::borrow::Cow::Owned(
        name.trim()
            .to_lowercase()
            .replace('_', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategorySet {
    defs: Vec<CategoryDef>,
}

impl Default for CategorySet {
    fn default() -> Self {
        CategorySet {
            defs: ITI
                .iter()
                .map(|(name, class, unodc_type)| CategoryDef {
                    name: (*name).to_owned(),
                    class: *class,
                    unodc_type: *unodc_type,
                })
                .collect(),
        }
    }
}

impl CategorySet {
    pub fn get(&self, name: &str) -> Option<&CategoryDef> {
        let wanted = fold_name(name);
        self.defs.iter().find(|d| d.name == wanted)
    }

    pub fn all(&self) -> &[CategoryDef] {
        &self.defs
    }

    /// Adds a category a node defines; refuses a name already in use.
    pub fn define(&mut self, def: CategoryDef) -> Result<(), String> {
        let name = fold_name(&def.name);
        if name.is_empty() {
            return Err("a category needs a name".into());
        }
        if self.get(&name).is_some() {
            return Err(format!("category '{name}' already exists"));
        }
        self.defs.push(CategoryDef { name, ..def });
        Ok(())
    }

    pub fn names(&self) -> String {
        self.defs
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The folding as first written: the borrowed fast path must give the same name.
    fn fold_name_slowly(name: &str) -> String {
        name.trim()
            .to_lowercase()
            .replace('_', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    proptest::proptest! {
        #[test]
        fn a_name_folds_the_same_on_either_path(name in "[ a-zA-Z_\\t\u{b}\u{a0}É-]{0,12}") {
            proptest::prop_assert_eq!(fold_name(&name), fold_name_slowly(&name));
        }
    }

    #[test]
    fn a_folded_name_is_borrowed_and_any_other_is_folded() {
        assert!(matches!(
            fold_name_cow("assault rifle"),
            std::borrow::Cow::Borrowed(_)
        ));
        for name in [
            " rifle",
            "rifle ",
            "assault  rifle",
            "Rifle",
            "assault_rifle",
            "a\u{b}b",
        ] {
            assert!(
                matches!(fold_name_cow(name), std::borrow::Cow::Owned(_)),
                "{name:?}"
            );
            assert_eq!(fold_name(name), fold_name_slowly(name));
        }
    }

    #[test]
    fn iti_categories_and_extension() {
        let mut set = CategorySet::default();
        assert_eq!(
            set.get("Assault_Rifle").map(|d| d.class),
            Some(WeaponClass::SmallArm)
        );
        assert_eq!(
            set.get("mortar").map(|d| d.class),
            Some(WeaponClass::LightWeapon)
        );
        assert!(set.get("flamethrower").is_none());
        let def = CategoryDef {
            name: "Flamethrower".into(),
            class: WeaponClass::LightWeapon,
            unodc_type: UnodcType::Other,
        };
        assert!(set.define(def.clone()).is_ok());
        assert!(set.get("flamethrower").is_some());
        assert!(set.define(def).is_err());
    }
}
