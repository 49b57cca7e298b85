//! The roles and the permissions each holds. Least privilege: each role gets what its work
//! needs and nothing more (an analyst sees aggregates only; the auditor reads the audit trail
//! and nothing of the records; the administrator manages accounts and may read and write
//! records, but cannot read the audit trail that watches it).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Administrator,
    /// Writes records: registers weapons, records events, imports files.
    Registrar,
    /// Searches markings, views weapons and the persons who held them; traces.
    Investigator,
    /// Aggregates and reports only.
    Analyst,
    /// Reads the audit trail.
    Auditor,
    /// Another State's node (federation); no page of its own.
    Peer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Permission {
    /// Counts and charts: weapons by status and category.
    ViewSummary,
    /// The marking search.
    Search,
    /// A weapon's record and timeline.
    ViewWeapon,
    /// A person's record (personal data: every view is audited).
    ViewPerson,
    /// Registering weapons and persons, recording events.
    WriteRecords,
    /// Importing a file of records.
    Import,
    /// Exporting the whole registry (persons included).
    Export,
    /// Accounts and roles.
    ManageUsers,
    /// Reading the audit trail.
    ReadAudit,
    /// Releasing computed indicator figures (a later different one is kept as a revision).
    ReleaseFigures,
    /// Completing the national reports: answers to the questions the registry cannot answer.
    CompleteReports,
    /// Creating, sending, answering and closing trace requests between States.
    Trace,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Administrator,
        Role::Registrar,
        Role::Investigator,
        Role::Analyst,
        Role::Auditor,
        Role::Peer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Registrar => "registrar",
            Role::Investigator => "investigator",
            Role::Analyst => "analyst",
            Role::Auditor => "auditor",
            Role::Peer => "peer",
        }
    }

    /// The whole role model in one table.
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match self {
            Administrator => matches!(
                permission,
                ViewSummary
                    | Search
                    | ViewWeapon
                    | ViewPerson
                    | WriteRecords
                    | Import
                    | Export
                    | ManageUsers
                    | ReleaseFigures
                    | CompleteReports
                    | Trace
            ),
            Registrar => matches!(
                permission,
                ViewSummary | Search | ViewWeapon | ViewPerson | WriteRecords | Import | Export
            ),
            Investigator => matches!(
                permission,
                ViewSummary | Search | ViewWeapon | ViewPerson | Trace
            ),
            Analyst => matches!(permission, ViewSummary | ReleaseFigures | CompleteReports),
            Auditor => matches!(permission, ViewSummary | ReadAudit),
            Peer => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "'{s}' is not a role; the roles are {}",
                    Role::ALL.map(Role::as_str).join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_auditor_reads_the_audit_trail_and_only_the_administrator_manages_users() {
        for role in Role::ALL {
            assert_eq!(
                role.can(Permission::ReadAudit),
                role == Role::Auditor,
                "{role}"
            );
            assert_eq!(
                role.can(Permission::ManageUsers),
                role == Role::Administrator,
                "{role}"
            );
        }
        assert!(!Role::Analyst.can(Permission::ViewPerson));
        assert!(!Role::Analyst.can(Permission::Search));
        assert!(!Role::Investigator.can(Permission::WriteRecords));
        assert_eq!("Registrar".parse::<Role>(), Ok(Role::Registrar));
        assert!("root".parse::<Role>().unwrap_err().contains("investigator"));
    }
}

#[cfg(test)]
mod documented {
    use super::*;

    /// docs/server.md shows the role model as a table; it must say what the code does.
    #[test]
    fn the_role_table_in_docs_server_md_is_the_code_s() {
        let doc = include_str!("../../../docs/server.md");
        let permissions = [
            (Permission::ViewSummary, "view-summary"),
            (Permission::Search, "search"),
            (Permission::ViewWeapon, "view-weapon"),
            (Permission::ViewPerson, "view-person"),
            (Permission::WriteRecords, "write-records"),
            (Permission::Import, "import"),
            (Permission::Export, "export"),
            (Permission::ManageUsers, "manage-users"),
            (Permission::ReadAudit, "read-audit"),
            (Permission::ReleaseFigures, "release-figures"),
            (Permission::CompleteReports, "complete-reports"),
            (Permission::Trace, "trace"),
        ];
        let header = doc
            .lines()
            .find(|l| l.starts_with("| permission"))
            .expect("the role table");
        let roles: Vec<Role> = header
            .split('|')
            .map(str::trim)
            .skip(2)
            .filter(|c| !c.is_empty())
            .map(|c| c.parse().expect("a role in the header"))
            .collect();
        for (permission, name) in permissions {
            let row = doc
                .lines()
                .find(|l| l.split('|').nth(1).map(str::trim) == Some(name))
                .unwrap_or_else(|| panic!("no row for {name}"));
            let cells: Vec<&str> = row.split('|').map(str::trim).skip(2).collect();
            for (role, cell) in roles.iter().zip(cells) {
                assert_eq!(
                    cell == "yes",
                    role.can(permission),
                    "docs/server.md says {cell} for {role} / {name}"
                );
            }
        }
    }
}
