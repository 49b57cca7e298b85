//! The weapon record (DOMAIN.md §4–5): identity, the marks as read, components, and what the
//! ITI requires of them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::calibre;
use crate::category::{CategorySet, UnodcType, WeaponClass};
use crate::country;
use crate::error::{Problems, ValidationError};
use crate::key;

word_enum! {
    pub enum MarkKind {
        Serial => "serial",
        Manufacturer => "manufacturer",
        Country => "country",
        Year => "year",
        Model => "model",
        Calibre => "calibre",
        Import => "import",
        Proof => "proof",
        Assembly => "assembly",
        StateToCivilian => "state_to_civilian",
        Confiscation => "confiscation",
        Deactivation => "deactivation",
        CodedSymbols => "coded_symbols",
        Other => "other",
    }
}

word_enum! {
    /// Where a mark is on the weapon; the frame or receiver is the primary reference (ISACS 05.30).
    pub enum Location {
        Frame => "frame",
        Receiver => "receiver",
        Barrel => "barrel",
        Slide => "slide",
        Bolt => "bolt",
        Cylinder => "cylinder",
        BreechBlock => "breech_block",
        Suppressor => "suppressor",
        Other => "other",
    }
}

word_enum! {
    /// Obliterating or altering marks is a crime (Firearms Protocol Art. 5); a mark recovered by
    /// etching keeps its recovered value apart from what is visible.
    pub enum Condition {
        Intact => "intact",
        Altered => "altered",
        Obliterated => "obliterated",
        Recovered => "recovered",
    }
}

word_enum! {
    /// ITI para 8(a) name + country + serial, or 8(b) a code of simple symbols from which every
    /// State can tell the country of manufacture.
    pub enum MarkingForm {
        NameCountrySerial => "name_country_serial",
        CodedSymbols => "coded_symbols",
        Unmarked => "unmarked",
    }
}

word_enum! {
    /// ITI para 9: an illicit weapon without adequate marks is marked and recorded, or destroyed.
    pub enum FollowUp {
        MarkAndRecord => "mark_and_record",
        Destroy => "destroy",
    }
}

word_enum! {
    /// Parts and components (Firearms Protocol Art. 3).
    pub enum PartKind {
        Barrel => "barrel",
        Frame => "frame",
        Receiver => "receiver",
        Slide => "slide",
        Cylinder => "cylinder",
        Bolt => "bolt",
        BreechBlock => "breech_block",
        Suppressor => "suppressor",
    }
}

fn intact() -> Condition {
    Condition::Intact
}

fn frame() -> Location {
    Location::Frame
}

// The defaults are left out of stored records: most marks are intact and on the frame.
fn is_frame(l: &Location) -> bool {
    *l == Location::Frame
}

fn is_intact(c: &Condition) -> bool {
    *c == Condition::Intact
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mark {
    pub kind: MarkKind,
    /// Verbatim, as read, in its own script.
    pub text: String,
    #[serde(default = "frame", skip_serializing_if = "is_frame")]
    pub location: Location,
    #[serde(default = "intact", skip_serializing_if = "is_intact")]
    pub condition: Condition,
    /// The value recovered by etching, for a mark in condition `recovered`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovered_text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub part: PartKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Mark>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weapon {
    pub id: Uuid,
    /// An outside reference (ledger line, old registry number), unique when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unodc_type: Option<UnodcType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// Country of manufacture: ISO 3166-1 alpha-2, or a former State's code (ISO 3166-3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The serial number verbatim as marked on the frame or receiver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// The calibre as marked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibre: Option<String>,
    /// The canonical designation of the calibre (data/calibres.csv), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibre_canonical: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marking_form: Option<MarkingForm>,
    /// For the coded-symbols form: the code as read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol_code: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Mark>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub antique: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub inadequately_marked: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<FollowUp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Empty or blank text is no text.
pub(crate) fn tidy(field: &mut Option<String>) {
    if let Some(text) = field.as_deref() {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            *field = None;
        } else if trimmed.len() != text.len() {
            *field = Some(trimmed.to_owned());
        }
    }
}

/// `field` names the mark in a message (made only when there is one).
/// Trims the text where it lies, copying it only when there is something to trim.
fn trim(text: &mut String) {
    let trimmed = text.trim();
    if trimmed.len() != text.len() {
        *text = trimmed.to_owned();
    }
}

/// The most letters and digits a serial may have: the marking search reads patterns of up to
/// 40 (`salw_search::query::MAX_PATTERN`), and a serial longer than that could be registered
/// but never found. Serials are far shorter (rarely over 20).
pub const MAX_SERIAL_ALNUM: usize = 32;

/// The most characters a serial may have, separators included.
pub const MAX_SERIAL_CHARS: usize = 64;

fn check_mark(p: &mut Problems, field: impl Fn() -> String, mark: &Mark) {
    if mark.text.trim().is_empty() {
        p.add(&field(), "a mark needs its text as read");
    }
    match (
        mark.condition,
        mark.recovered_text.as_deref().map(str::trim),
    ) {
        (Condition::Recovered, None | Some("")) => p.add(
            &field(),
            "a recovered mark needs the recovered value (recovered_text)",
        ),
        (Condition::Recovered, Some(_)) | (_, None) => {}
        (_, Some(_)) => p.add(
            &field(),
            "recovered_text is only for a mark in condition 'recovered'",
        ),
    }
}

impl Weapon {
    /// A new record with only its id and category; the rest is filled in by the caller.
    pub fn new(id: Uuid, category: impl Into<String>) -> Self {
        Weapon {
            id,
            reference: None,
            category: category.into(),
            unodc_type: None,
            manufacturer: None,
            country: None,
            model: None,
            serial: None,
            calibre: None,
            calibre_canonical: None,
            year: None,
            marking_form: None,
            symbol_code: None,
            marks: Vec::new(),
            components: Vec::new(),
            antique: false,
            inadequately_marked: false,
            follow_up: None,
            notes: None,
        }
    }

    /// The serial mark on the frame or receiver, if recorded.
    pub fn serial_mark(&self) -> Option<&Mark> {
        self.marks.iter().find(|m| m.kind == MarkKind::Serial)
    }

    /// The serial as it can be relied on: the recovered value of an etched mark, nothing for an
    /// obliterated one.
    pub fn legible_serial(&self) -> Option<&str> {
        match self.serial_mark() {
            Some(m) => match m.condition {
                Condition::Obliterated => None,
                Condition::Recovered => m.recovered_text.as_deref(),
                Condition::Intact | Condition::Altered => Some(m.text.as_str()),
            },
            None => self.serial.as_deref(),
        }
    }

    /// Whether the weapon carries a unique mark (ITI para 8).
    pub fn has_unique_mark(&self) -> bool {
        self.legible_serial()
            .is_some_and(|s| !key::folds_to_nothing(s))
    }

    /// (country, manufacturer, model, serial), compared folded; `None` when a part is unknown.
    pub fn identity_key(&self) -> Option<String> {
        key::identity_key(
            self.country.as_deref(),
            self.manufacturer.as_deref(),
            self.model.as_deref(),
            self.legible_serial(),
        )
    }

    /// Tidies the record (trims text, upper-cases codes, fills in derived fields such as the
    /// canonical calibre, the UNODC type and the serial mark) and checks every rule that needs
    /// nothing but the record itself. `this_year` comes from the caller: the core has no clock.
    pub fn prepare(
        mut self,
        categories: &CategorySet,
        this_year: i32,
    ) -> Result<Self, ValidationError> {
        let mut p = Problems::default();
        for field in [
            &mut self.reference,
            &mut self.manufacturer,
            &mut self.country,
            &mut self.model,
            &mut self.serial,
            &mut self.calibre,
            &mut self.symbol_code,
            &mut self.notes,
        ] {
            tidy(field);
        }
        if let std::borrow::Cow::Owned(folded) = crate::category::fold_name_cow(&self.category) {
            self.category = folded;
        }

        let category = if self.category.is_empty() {
            p.add(
                "category",
                format!("required; one of: {}", categories.names()),
            );
            None
        } else {
            let found = categories.get(&self.category);
            if found.is_none() {
                p.add(
                    "category",
                    format!(
                        "'{}' is not a known category (ITI para 4 lists, extensible); known: {}",
                        self.category,
                        categories.names()
                    ),
                );
            }
            found
        };
        if let Some(def) = category {
            self.unodc_type.get_or_insert(def.unodc_type);
        }

        if let Some(code) = self.country.as_deref() {
            match country::parse(code) {
                Ok(parsed) if parsed == code => {}
                Ok(parsed) => self.country = Some(parsed.to_owned()),
                Err(reason) => p.add("country", reason),
            }
        }

        if let Some(serial) = self.serial.as_deref() {
            let letters_and_digits = serial.chars().filter(|c| c.is_alphanumeric()).count();
            let all = serial.chars().count();
            if letters_and_digits > MAX_SERIAL_ALNUM || all > MAX_SERIAL_CHARS {
                p.add(
                    "serial",
                    format!(
                        "{all} characters, {letters_and_digits} of them letters and digits: a serial has at most {MAX_SERIAL_ALNUM} letters and digits and {MAX_SERIAL_CHARS} characters in all (other text belongs in the notes or another mark)"
                    ),
                );
            }
        }

        self.calibre_canonical = self
            .calibre
            .as_deref()
            .and_then(calibre::canonical)
            .map(str::to_owned);

        if let Some(year) = self.year {
            if year > this_year {
                p.add("year", format!("{year} is in the future"));
            } else if year < 1300 {
                p.add(
                    "year",
                    format!("{year} is not a plausible year of manufacture"),
                );
            }
        }
        // ITI para 4: antiques are excluded, but nothing made after 1899 is an antique.
        if self.antique {
            match self.year {
                None => p.add("year", "an antique needs its year of manufacture (1899 or before)"),
                Some(year) if year > 1899 => p.add(
                    "antique",
                    format!("an antique must be made in 1899 or before (ITI para 4); this one is from {year}"),
                ),
                Some(_) => {}
            }
        }
        // ITI para 4: mortars of calibre below 100 mm are light weapons; larger ones are not SALW.
        if category.is_some_and(|d| d.name == "mortar" && d.class == WeaponClass::LightWeapon) {
            let bore = self
                .calibre_canonical
                .as_deref()
                .and_then(calibre::bore_mm)
                .or_else(|| self.calibre.as_deref().and_then(calibre::bore_mm));
            if let Some(mm) = bore.filter(|mm| *mm >= 100.0) {
                p.add(
                    "calibre",
                    format!("a mortar of {mm} mm is not a light weapon: only mortars below 100 mm are (ITI para 4)"),
                );
            }
        }

        // Marks are checked as the user gave them, so that an index in a message is theirs.
        for (i, mark) in self.marks.iter_mut().enumerate() {
            trim(&mut mark.text);
            tidy(&mut mark.recovered_text);
            check_mark(&mut p, || format!("marks[{i}]"), mark);
        }
        for (i, component) in self.components.iter_mut().enumerate() {
            tidy(&mut component.serial);
            for (j, mark) in component.marks.iter_mut().enumerate() {
                trim(&mut mark.text);
                tidy(&mut mark.recovered_text);
                check_mark(&mut p, || format!("components[{i}].marks[{j}]"), mark);
            }
        }
        // The serial is recorded as a mark on the frame unless the marks already say where.
        if let Some(serial) = self.serial.clone()
            && self.serial_mark().is_none()
        {
            self.marks.insert(
                0,
                Mark {
                    kind: MarkKind::Serial,
                    text: serial,
                    location: Location::Frame,
                    condition: Condition::Intact,
                    recovered_text: None,
                },
            );
        }
        // A legible serial mark gives the serial; an obliterated one gives none.
        if self.serial.is_none()
            && let Some(mark) = self.serial_mark()
            && mark.condition != Condition::Obliterated
            && !mark.text.is_empty()
        {
            self.serial = Some(mark.text.clone());
        }

        let unique = self.has_unique_mark();
        let form = *self.marking_form.get_or_insert(if self.serial.is_some() {
            MarkingForm::NameCountrySerial
        } else {
            MarkingForm::Unmarked
        });
        match form {
            MarkingForm::Unmarked if self.serial.is_some() => p.add(
                "marking_form",
                "'unmarked' contradicts the serial number given",
            ),
            MarkingForm::NameCountrySerial if !self.inadequately_marked => {
                // ITI para 8(a): the name of the manufacturer, the country of manufacture, the serial.
                if self.manufacturer.is_none() {
                    p.add("manufacturer", "required by the marking form name+country+serial (ITI para 8a); if the mark is missing, record the weapon as inadequately marked")
                }
                if self.country.is_none() {
                    p.add("country", "required by the marking form name+country+serial (ITI para 8a); if the mark is missing, record the weapon as inadequately marked")
                }
            }
            MarkingForm::CodedSymbols if self.symbol_code.is_none() => p.add(
                "symbol_code",
                "required by the coded-symbols marking form (ITI para 8b)",
            ),
            _ => {}
        }
        if form != MarkingForm::CodedSymbols && self.symbol_code.is_some() {
            p.add("symbol_code", "only for the coded-symbols marking form")
        }
        // ITI para 9: a weapon without a unique mark is recorded only as inadequately marked,
        // with its follow-up: marked and recorded, or destroyed.
        if !unique && !self.inadequately_marked {
            p.add(
                "serial",
                "the weapon has no unique mark: it can only be recorded as inadequately marked, with its follow-up (mark_and_record or destroy; ITI para 9)",
            );
        }
        if self.inadequately_marked && self.follow_up.is_none() {
            p.add(
                "follow_up",
                format!(
                    "an inadequately marked weapon needs its follow-up: {} (ITI para 9)",
                    FollowUp::choices()
                ),
            );
        }
        if !self.inadequately_marked && self.follow_up.is_some() {
            p.add("follow_up", "only for an inadequately marked weapon");
        }
        p.finish().map(|()| self)
    }
}
