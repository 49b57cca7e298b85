//! Persons and organisations: licensees, dealers, State units, surrendering persons, suspects.
//! Every individual has an optional sex, for disaggregated statistics (DOMAIN.md §8, MOSAIC 06.10).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::country;
use crate::error::{Problems, ValidationError};
use crate::weapon::tidy;

word_enum! {
    pub enum PersonKind {
        Individual => "individual",
        Organisation => "organisation",
    }
}

word_enum! {
    pub enum Sex {
        Female => "female",
        Male => "male",
        Other => "other",
    }
}

word_enum! {
    pub enum Role {
        Licensee => "licensee",
        Dealer => "dealer",
        Manufacturer => "manufacturer",
        StateUnit => "state_unit",
        SurrenderingPerson => "surrendering_person",
        Suspect => "suspect",
        Victim => "victim",
        Other => "other",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub kind: PersonKind,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// A licence, registration or identity document number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl Person {
    pub fn prepare(mut self) -> Result<Self, ValidationError> {
        let mut p = Problems::default();
        for field in [
            &mut self.reference,
            &mut self.country,
            &mut self.identifier,
            &mut self.notes,
        ] {
            tidy(field);
        }
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() {
            p.add("name", "required");
        }
        if self.kind == PersonKind::Organisation && self.sex.is_some() {
            p.add(
                "sex",
                "only an individual has a sex; this is an organisation",
            );
        }
        if let Some(code) = self.country.as_deref() {
            match country::parse(code) {
                Ok(code) => self.country = Some(code.to_owned()),
                Err(reason) => p.add("country", reason),
            }
        }
        self.roles.sort();
        self.roles.dedup();
        p.finish().map(|()| self)
    }
}
