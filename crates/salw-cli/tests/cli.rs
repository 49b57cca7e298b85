//! The `salw` command as a user meets it: a real binary, a real SQLite file, real files.
//! One test binary for the crate (linking is slow on two cores).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Node {
    dir: tempfile::TempDir,
    /// The registry: a file, or a `postgres://` URL (see `on_postgres`).
    db: PathBuf,
    /// The key file, given with `--key-file` (a registry on a server has no "beside").
    key_file: Option<PathBuf>,
}

thread_local! {
    /// Set by `on_postgres`: the nodes this test makes keep their registry in PostgreSQL.
    static ON_POSTGRES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs a test of this file again with every registry in PostgreSQL (a fresh schema of the
/// database SALW_TEST_POSTGRES names per node): the same commands, the same expectations.
fn on_postgres(test: fn()) {
    if salw_store_any::fresh_test_database("cli-probe").is_none() {
        return;
    }
    ON_POSTGRES.with(|on| on.set(true));
    test();
}

fn salw_bin() -> &'static str {
    env!("CARGO_BIN_EXE_salw")
}

impl Node {
    fn new() -> Node {
        let dir = tempfile::tempdir().expect("temp dir");
        let node = if ON_POSTGRES.with(|on| on.get()) {
            let url = salw_store_any::fresh_test_database("cli").expect("SALW_TEST_POSTGRES");
            let key_file = Some(dir.path().join("registry.key"));
            Node {
                db: PathBuf::from(url),
                key_file,
                dir,
            }
        } else {
            let db = dir.path().join("registry.db");
            Node {
                dir,
                db,
                key_file: None,
            }
        };
        node.ok(&["init", "--country", "KE"]);
        node
    }

    fn on_postgres(&self) -> bool {
        self.key_file.is_some()
    }

    /// `--db` and, for a registry on a server, `--key-file`: for commands run by hand.
    fn location_args(&self) -> Vec<std::ffi::OsString> {
        let mut args = vec!["--db".into(), self.db.clone().into_os_string()];
        if let Some(key) = &self.key_file {
            args.push("--key-file".into());
            args.push(key.clone().into_os_string());
        }
        args
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(salw_bin())
            .args(self.location_args())
            .args(args)
            .env("SALW_USER", "test-clerk")
            .env_remove("SALW_DATABASE")
            .output()
            .expect("salw runs")
    }

    /// Runs and expects success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "salw {args:?} failed: {}\n{}",
            stderr(&out),
            stdout(&out)
        );
        stdout(&out)
    }

    /// Runs and expects exit code 1; returns stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "salw {args:?} should fail with 1: {}\n{}",
            stdout(&out),
            stderr(&out)
        );
        stderr(&out)
    }

    fn json(&self, args: &[&str]) -> Value {
        let text = self.ok(args);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("salw {args:?} printed no JSON ({e}): {text}"))
    }

    fn add_weapon(&self, args: &[&str]) -> String {
        let mut all = vec!["weapon", "add", "--json"];
        all.extend_from_slice(args);
        self.json(&all)["id"].as_str().expect("id").to_owned()
    }

    fn pistol(&self, serial: &str) -> String {
        self.add_weapon(&[
            "--category",
            "self-loading pistol",
            "--manufacturer",
            "Glock",
            "--country",
            "AT",
            "--model",
            "G17",
            "--serial",
            serial,
            "--calibre",
            "9mm Luger",
            "--year",
            "2015",
        ])
    }

    fn event(&self, weapon: &str, kind: &str, on: &str, extra: &[&str]) -> Output {
        let mut all = vec!["event", "add", weapon, kind, "--on", on];
        all.extend_from_slice(extra);
        self.run(&all)
    }

    fn event_ok(&self, weapon: &str, kind: &str, on: &str, extra: &[&str]) -> String {
        let out = self.event(weapon, kind, on, extra);
        assert!(
            out.status.success(),
            "event {kind} failed: {}",
            stderr(&out)
        );
        stdout(&out)
            .trim()
            .rsplit(' ')
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    fn event_refused(&self, weapon: &str, kind: &str, on: &str, extra: &[&str]) -> String {
        let out = self.event(weapon, kind, on, extra);
        assert_eq!(
            out.status.code(),
            Some(1),
            "event {kind} should be refused: {}",
            stdout(&out)
        );
        stderr(&out)
    }

    fn journal_len(&self) -> i64 {
        let mut backend = salw_store_any::Location::from_path(&self.db)
            .expect("location")
            .open(false)
            .expect("open");
        salw_store::Backend::journal_head(&mut backend)
            .expect("head")
            .map_or(0, |(seq, _)| seq)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write file");
        path
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn register_a_weapon_and_show_it_with_its_marks_and_timeline() {
    let node = Node::new();
    let id = node.add_weapon(&[
        "--category",
        "assault rifle",
        "--manufacturer",
        "Izhevsk",
        "--country",
        "su",
        "--model",
        "AKM",
        "--serial",
        "АК 1234",
        "--calibre",
        "7.62x39",
        "--year",
        "1978",
        "--mark",
        "proof:star@barrel",
        "--component",
        "barrel:АК 1234",
        "--reference",
        "LEDGER-7",
    ]);
    let shown = node.json(&["show", &id, "--json"]);
    let w = &shown["weapon"];
    assert_eq!(w["country"], "SU");
    assert_eq!(
        w["serial"], "АК 1234",
        "serial kept verbatim in its own script"
    );
    assert_eq!(w["calibre"], "7.62x39");
    assert_eq!(w["calibre_canonical"], "7.62x39mm");
    assert_eq!(w["unodc_type"], "rifle");
    assert_eq!(w["marks"][0]["kind"], "serial");
    assert_eq!(w["marks"][1]["location"], "barrel");
    assert_eq!(w["components"][0]["part"], "barrel");
    assert_eq!(shown["status"], "registered");
    // By reference too, in plain text.
    let text = node.ok(&["show", "LEDGER-7"]);
    assert!(
        text.contains("АК 1234") && text.contains("(no events yet)"),
        "{text}"
    );
}

#[test]
fn every_weapon_rule_is_refused_with_its_field_and_reason() {
    let node = Node::new();
    node.pistol("ABC123");
    let before = node.journal_len();
    let long_serial = "A".repeat(33);
    let spaced_serial = "1 2 ".repeat(17);
    let cases: &[(&[&str], &str)] = &[
        (
            &["--category", "ray gun", "--serial", "1"],
            "category: 'ray gun' is not a known category",
        ),
        // Longer than the marking search reads: it could never be found.
        (
            &[
                "--category",
                "rifle",
                "--manufacturer",
                "X",
                "--country",
                "BE",
                "--serial",
                &long_serial,
            ],
            "serial: 33 characters, 33 of them letters and digits: a serial has at most 32 letters and digits and 64 characters in all",
        ),
        (
            &[
                "--category",
                "rifle",
                "--manufacturer",
                "X",
                "--country",
                "BE",
                "--serial",
                &spaced_serial,
            ],
            "serial: 67 characters, 34 of them letters and digits",
        ),
        (
            &[
                "--category",
                "rifle",
                "--manufacturer",
                "X",
                "--country",
                "XX",
                "--model",
                "M",
                "--serial",
                "1",
            ],
            "country: 'XX' is not an ISO 3166-1",
        ),
        (
            &[
                "--category",
                "self-loading pistol",
                "--manufacturer",
                "glock",
                "--country",
                "AT",
                "--model",
                "g17",
                "--serial",
                "abc-123",
            ],
            "already has this identity key",
        ),
        (
            &[
                "--category",
                "revolver",
                "--manufacturer",
                "Colt",
                "--country",
                "US",
                "--model",
                "SAA",
                "--serial",
                "9",
                "--antique",
                "--year",
                "1901",
            ],
            "antique: an antique must be made in 1899 or before",
        ),
        (
            &["--category", "shotgun", "--model", "craft"],
            "serial: the weapon has no unique mark",
        ),
        (
            &[
                "--category",
                "shotgun",
                "--model",
                "craft",
                "--inadequately-marked",
            ],
            "follow_up: an inadequately marked weapon needs its follow-up",
        ),
        (
            &[
                "--category",
                "mortar",
                "--manufacturer",
                "Soltam",
                "--country",
                "IL",
                "--model",
                "M-120",
                "--serial",
                "1",
                "--calibre",
                "120mm",
            ],
            "calibre: a mortar of 120 mm is not a light weapon",
        ),
        (
            &[
                "--category",
                "rifle",
                "--manufacturer",
                "FN",
                "--country",
                "BE",
                "--model",
                "FAL",
                "--serial",
                "1",
                "--year",
                "2999",
            ],
            "year: 2999 is in the future",
        ),
        (
            &[
                "--category",
                "rifle",
                "--manufacturer",
                "FN",
                "--country",
                "BE",
                "--model",
                "FAL",
                "--serial",
                "1",
                "--serial-condition",
                "recovered",
            ],
            "recovered mark needs the recovered value",
        ),
        (
            &[
                "--category",
                "rifle",
                "--manufacturer",
                "FN",
                "--model",
                "FAL",
                "--serial",
                "1",
            ],
            "country: required by the marking form name+country+serial",
        ),
        (
            &[
                "--category",
                "rifle",
                "--manufacturer",
                "FN",
                "--country",
                "BE",
                "--model",
                "FAL",
                "--serial",
                "1",
                "--mark",
                "proof:x@nowhere",
            ],
            "marks[0].location: 'nowhere' is not one of",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["weapon", "add"];
        all.extend_from_slice(args);
        let err = node.fails(&all);
        assert!(
            err.contains(expected),
            "salw weapon add {args:?}: expected '{expected}' in:\n{err}"
        );
        assert!(
            err.contains("nothing was written") || err.contains("error:"),
            "{err}"
        );
    }
    assert_eq!(
        node.journal_len(),
        before,
        "a refused record writes nothing"
    );
    // The same serial on another model is another weapon (makers reuse serials).
    node.add_weapon(&[
        "--category",
        "self-loading pistol",
        "--manufacturer",
        "Glock",
        "--country",
        "AT",
        "--model",
        "G19",
        "--serial",
        "ABC123",
    ]);
    // Accepted forms of the hard cases.
    node.add_weapon(&[
        "--category",
        "shotgun",
        "--model",
        "craft",
        "--inadequately-marked",
        "--follow-up",
        "destroy",
    ]);
    node.add_weapon(&[
        "--category",
        "revolver",
        "--manufacturer",
        "Colt",
        "--country",
        "US",
        "--model",
        "SAA",
        "--serial",
        "9",
        "--antique",
        "--year",
        "1899",
    ]);
    node.add_weapon(&[
        "--category",
        "mortar",
        "--manufacturer",
        "Soltam",
        "--country",
        "IL",
        "--model",
        "81mm",
        "--serial",
        "1",
        "--calibre",
        "81mm",
    ]);
    node.add_weapon(&[
        "--category",
        "rifle",
        "--manufacturer",
        "FN",
        "--country",
        "BE",
        "--model",
        "FAL",
        "--serial",
        "1",
        "--serial-condition",
        "recovered",
        "--serial-recovered",
        "12345",
    ]);
}

#[test]
fn impossible_histories_are_refused_with_the_reason() {
    let node = Node::new();
    let w = node.pistol("GLK001");
    let err = node.event_refused(&w, "seized", "2020-01-05", &[]);
    assert!(err.contains("seizure_basis: required"), "{err}");
    let err = node.event_refused(&w, "recovered", "2020-01-05", &[]);
    assert!(
        err.contains("a recovery needs an earlier loss or theft report"),
        "{err}"
    );
    let err = node.event_refused(&w, "returned", "2020-01-05", &[]);
    assert!(err.contains("never issued"), "{err}");
    let err = node.event_refused(&w, "traced", "2020-01-05", &["--trace-outcome", "pending"]);
    assert!(err.contains("tracing concerns a seized"), "{err}");
    let err = node.event_refused(&w, "reactivation_detected", "2020-01-05", &[]);
    assert!(
        err.contains("only a weapon recorded as deactivated"),
        "{err}"
    );
    let err = node.event_refused(
        &w,
        "seized",
        "2010-01-05",
        &["--seizure-basis", "criminal_offence"],
    );
    assert!(err.contains("before the weapon was made"), "{err}");
    let err = node.event_refused(&w, "exported", "2020-01-05", &["--country", "ZZ"]);
    assert!(err.contains("country: 'ZZ'"), "{err}");
    let err = node.event_refused(&w, "found", "2999-01-01", &[]);
    assert!(
        err.contains("occurred_on: 2999-01-01 is in the future"),
        "{err}"
    );
    let err = node.event_refused(&w, "found", "01/02/2020", &[]);
    assert!(err.contains("occurred_on"), "{err}");
    let err = node.event_refused("no-such-weapon", "found", "2020-01-01", &[]);
    assert!(
        err.contains("weapon: no weapon has the id or reference 'no-such-weapon'"),
        "{err}"
    );
    let err = node.event_refused(&w, "found", "2020-01-01", &["--method", "melting"]);
    assert!(
        err.contains("method: does not apply to a 'found' event"),
        "{err}"
    );

    node.event_ok(
        &w,
        "seized",
        "2020-01-05",
        &[
            "--seizure-basis",
            "criminal_offence",
            "--criminal-context",
            "robbery",
            "--acquisition",
            "bought_online",
        ],
    );
    node.event_ok(
        &w,
        "traced",
        "2020-03-01",
        &["--trace-outcome", "established_by_tracing"],
    );
    let err = node.event_refused(&w, "destroyed", "2020-04-01", &[]);
    assert!(err.contains("method: required"), "{err}");
    node.event_ok(
        &w,
        "destroyed",
        "2020-04-01",
        &["--method", "cutting", "--witnesses", "A; B"],
    );
    let err = node.event_refused(&w, "exported", "2020-05-01", &["--country", "DE"]);
    assert!(
        err.contains("a destroyed weapon cannot be exported"),
        "{err}"
    );
    // Backfilling an event dated before the destruction that conflicts with it is refused too.
    let err = node.event_refused(&w, "reported_stolen", "2020-03-15", &[]);
    assert!(err.contains("later event impossible"), "{err}");
    let shown = node.json(&["show", &w, "--json"]);
    assert_eq!(shown["status"], "destroyed");
    assert_eq!(shown["timeline"].as_array().map(Vec::len), Some(3));
}

#[test]
fn loss_recovery_issue_import_marking_and_corrections() {
    let node = Node::new();
    let unit = node.json(&[
        "person",
        "add",
        "--name",
        "Central Armoury",
        "--organisation",
        "--role",
        "state_unit",
        "--reference",
        "UNIT-1",
        "--json",
    ]);
    assert!(unit["id"].is_string());
    let err = node.fails(&[
        "person",
        "add",
        "--name",
        "Armoury",
        "--organisation",
        "--sex",
        "female",
    ]);
    assert!(err.contains("sex: only an individual has a sex"), "{err}");
    let officer = node.json(&[
        "person",
        "add",
        "--name",
        "Amina Diallo",
        "--sex",
        "female",
        "--json",
    ]);
    let officer = officer["id"].as_str().expect("id").to_owned();

    let w = node.pistol("GLK002");
    node.event_ok(&w, "transferred", "2019-01-01", &["--to-holder", "UNIT-1"]);
    let err = node.event_refused(&w, "issued", "2019-02-01", &[]);
    assert!(err.contains("to_holder: required"), "{err}");
    node.event_ok(
        &w,
        "issued",
        "2019-02-01",
        &["--to-holder", &officer, "--reason", "patrol"],
    );
    let err = node.event_refused(&w, "exported", "2019-02-02", &["--country", "DE"]);
    assert!(
        err.contains("returned to the armoury before export"),
        "{err}"
    );
    node.event_ok(&w, "returned", "2019-02-03", &[]);
    let stolen = node.event_ok(&w, "reported_stolen", "2021-06-01", &[]);
    let err = node.event_refused(&w, "exported", "2021-07-01", &["--country", "DE"]);
    assert!(
        err.contains("cannot be exported before it is recovered"),
        "{err}"
    );
    node.event_ok(&w, "recovered", "2022-01-01", &[]);
    // Withdrawing the theft report would leave the recovery without its loss: refused.
    let err = node.event_refused(
        &w,
        "corrected",
        "2022-02-01",
        &["--supersedes", &stolen, "--reason", "entered by mistake"],
    );
    assert!(
        err.contains("later event impossible") && err.contains("a recovery needs an earlier loss"),
        "{err}"
    );
    let err = node.event_refused(&w, "corrected", "2022-02-01", &["--supersedes", &stolen]);
    assert!(err.contains("reason: required"), "{err}");
    // Replacing it with a loss report is possible: the timeline keeps both, the old one marked.
    node.event_ok(
        &w,
        "reported_lost",
        "2021-06-01",
        &["--supersedes", &stolen, "--reason", "was lost, not stolen"],
    );
    let err = node.event_refused(
        &w,
        "corrected",
        "2022-02-01",
        &["--supersedes", &stolen, "--reason", "again"],
    );
    assert!(err.contains("already been corrected"), "{err}");
    let shown = node.json(&["show", &w, "--json"]);
    let timeline = shown["timeline"].as_array().expect("timeline");
    let old = timeline
        .iter()
        .find(|t| t["event"]["id"] == stolen.as_str())
        .expect("old event kept");
    assert!(
        old["superseded_by"].is_string(),
        "the superseded event stays, marked"
    );
    assert_eq!(shown["status"], "recovered");

    // ITI para 8: a permanent import without a unique mark needs an assigned serial.
    let craft = node.add_weapon(&[
        "--category",
        "shotgun",
        "--model",
        "craft",
        "--inadequately-marked",
        "--follow-up",
        "mark_and_record",
    ]);
    let err = node.event_refused(&craft, "imported", "2020-01-01", &["--country", "GH"]);
    assert!(err.contains("needs an assigned serial"), "{err}");
    node.event_ok(
        &craft,
        "imported",
        "2020-01-01",
        &["--country", "GH", "--temporary"],
    );
    let other = node.add_weapon(&[
        "--category",
        "shotgun",
        "--model",
        "craft 2",
        "--inadequately-marked",
        "--follow-up",
        "mark_and_record",
    ]);
    node.event_ok(
        &other,
        "imported",
        "2020-01-01",
        &["--country", "GH", "--assigned-serial", "KE-2020-0001"],
    );
    let err = node.event_refused(
        &other,
        "imported",
        "2020-02-01",
        &["--country", "GH", "--assigned-serial", "KE-2020-0002"],
    );
    assert!(err.contains("already on the territory"), "{err}");
}

#[test]
fn deactivated_weapon_seized_as_reactivated() {
    let node = Node::new();
    let w = node.pistol("GLK003");
    let err = node.event_refused(
        &w,
        "deactivated",
        "2018-01-01",
        &["--standard", "EU 2015/2403"],
    );
    assert!(err.contains("verifier: required"), "{err}");
    node.event_ok(
        &w,
        "deactivated",
        "2018-01-01",
        &[
            "--standard",
            "EU 2015/2403",
            "--verifier",
            "Proof House",
            "--certificate",
            "D-1",
        ],
    );
    node.event_ok(
        &w,
        "seized",
        "2023-01-01",
        &["--seizure-basis", "criminal_offence", "--reactivated"],
    );
    node.event_ok(&w, "reactivation_detected", "2023-01-02", &[]);
    let shown = node.json(&["show", &w, "--json"]);
    assert_eq!(shown["timeline"][1]["event"]["reactivated"], true);
}

const WEAPONS_CSV: &str = "\
reference,category,manufacturer,country,model,serial,calibre,year
R-1,self-loading pistol,Glock,AT,G17,AAA111,9x19mm,2010
R-2,assault rifle,Zastava Arms,YU,M70,52-01234,7.62x39mm,1988
R-3,shotgun,,,,,12 gauge,
";

#[test]
fn a_file_with_bad_rows_writes_nothing_and_names_every_bad_row() {
    let node = Node::new();
    let before = node.journal_len();
    let bad = node.write(
        "weapons.csv",
        "reference,category,manufacturer,country,model,serial,calibre,year,antique\n\
         R-1,self-loading pistol,Glock,AT,G17,AAA111,9x19mm,2010,\n\
         R-2,ray gun,Glock,AT,G17,AAA112,9x19mm,2010,\n\
         R-3,self-loading pistol,Glock,AT,G17,AAA113,9x19mm,twenty,\n\
         R-4,self-loading pistol,Glock,AT,G17,aaa-111,9x19mm,2010,\n\
         R-5,revolver,Colt,US,SAA,77,.45 ACP,1950,yes\n\
         R-6,self-loading pistol,Glock,AT,G17,AAA116,9x19mm,2010,maybe\n",
    );
    let out = node.run(&["import", s(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for expected in [
        "line 3: category: 'ray gun' is not a known category",
        "line 4: year: 'twenty' is not a whole number",
        "line 5: serial: weapon",
        "line 6: antique: an antique must be made in 1899 or before",
        "line 7: antique: 'maybe' is not true or false",
        "nothing was written (5 problems)",
    ] {
        assert!(err.contains(expected), "expected '{expected}' in:\n{err}");
    }
    assert_eq!(node.journal_len(), before);

    let bad_header = node.write("weapons2.csv", "category,serail\nrifle,1\n");
    let err = stderr(&node.run(&["import", s(&bad_header)]));
    assert!(err.contains("line 1: serail: not a column"), "{err}");
    let bad_json = node.write("events.jsonl", "{\"record\":\"event\",\"weapon\":\"R-1\",\"kind\":\"found\",\"occurred_on\":\"2020-01-01\"}\n{not json\n");
    let err = stderr(&node.run(&["import", s(&bad_json)]));
    assert!(
        err.contains("line 1: weapon: no weapon has the id or reference 'R-1'")
            && err.contains("line 2: line: not valid JSON"),
        "{err}"
    );
    assert_eq!(node.journal_len(), before);
}

#[test]
fn importing_the_same_file_twice_adds_nothing_the_second_time() {
    let node = Node::new();
    let weapons = node.write("weapons.csv", WEAPONS_CSV);
    let err = stderr(&node.run(&["import", s(&weapons)]));
    assert!(
        err.contains("line 4: serial: the weapon has no unique mark"),
        "{err}"
    );
    // The craft shotgun, recorded as ITI para 9 asks.
    let fixed = "\
reference,category,manufacturer,country,model,serial,calibre,year,inadequately_marked,follow_up
R-1,self-loading pistol,Glock,AT,G17,AAA111,9x19mm,2010,,
R-2,assault rifle,Zastava Arms,YU,M70,52-01234,7.62x39mm,1988,,
R-3,shotgun,,,,,12 gauge,,true,destroy
";
    let weapons = node.write("weapons.csv", fixed);
    let events = node.write(
        "events.csv",
        "weapon,kind,occurred_on,seizure_basis,country\nR-1,imported,2011-03-01,,AT\nR-1,seized,2020-05-01,criminal_offence,\nR-3,found,2021-01-01,,\n",
    );
    // Two holders no one has registered: each is named unknown, and not also "the same".
    let transfers = node.write(
        "events-transfers.csv",
        "weapon,kind,occurred_on,from_holder,to_holder\nR-2,transferred,2019-03-01,NOBODY-1,NOBODY-2\n",
    );
    let err = stderr(&node.run(&["import", s(&weapons), s(&transfers)]));
    assert!(
        err.contains("from_holder: no person or organisation has the id or reference 'NOBODY-1'")
            && err.contains(
                "to_holder: no person or organisation has the id or reference 'NOBODY-2'"
            )
            && !err.contains("the same as from_holder"),
        "{err}"
    );
    // Named events first (as `import data/*` lists them): read after the weapons all the same.
    let first = node.json(&["import", s(&events), s(&weapons), "--json"]);
    assert_eq!(first["weapons_added"], 3);
    assert_eq!(first["events_added"], 3);
    let len = node.journal_len();
    let second = node.json(&["import", s(&weapons), s(&events), "--json"]);
    assert_eq!(second["weapons_added"], 0);
    assert_eq!(second["events_added"], 0);
    assert_eq!(second["unchanged"], 6);
    assert_eq!(node.journal_len(), len);
}

#[test]
fn a_bulk_load_into_an_empty_registry_still_names_every_clash_and_keeps_its_indexes() {
    // Into an empty registry the unique indexes are built once at the end of an import; a
    // clash found then sends the import through a second, row-by-row pass that names it.
    let node = Node::new();
    let clashing = node.write(
        "weapons.csv",
        "reference,category,manufacturer,country,model,serial,calibre,year\n\
         R-1,self-loading pistol,Glock,AT,G17,AAA111,9x19mm,2010\n\
         R-2,self-loading pistol,Glock,AT,G17,AAA112,9x19mm,2010\n\
         R-1,self-loading pistol,Glock,AT,G17,AAA113,9x19mm,2010\n\
         R-4,self-loading pistol,Glock,AT,G17,aaa 112,9x19mm,2010\n",
    );
    let err = node.fails(&["import", s(&clashing)]);
    for expected in [
        // The id is derived from the reference: the same reference is the same weapon.
        "line 4: id: weapon",
        "is already registered with other data",
        "line 5: serial: weapon",
        "nothing was written (2 problems)",
    ] {
        assert!(err.contains(expected), "expected '{expected}' in:\n{err}");
    }
    assert_eq!(node.journal_len(), 1, "only the node's own entry");

    // The same weapon twice in one file is one weapon, as on a re-import.
    let twice = node.write(
        "twice.csv",
        "reference,category,manufacturer,country,model,serial,calibre,year\n\
         R-1,self-loading pistol,Glock,AT,G17,AAA111,9x19mm,2010\n\
         R-1,self-loading pistol,Glock,AT,G17,AAA111,9x19mm,2010\n",
    );
    let out = node.json(&["import", s(&twice), "--json"]);
    assert_eq!(
        (out["weapons_added"].as_u64(), out["unchanged"].as_u64()),
        (Some(1), Some(1))
    );

    // Weapons then events in one import: the events need the indexes half-way through.
    let more = Node::new();
    let weapons = more.write(
        "weapons.csv",
        "reference,category,manufacturer,country,model,serial,calibre,year\n\
         R-1,self-loading pistol,Glock,AT,G17,AAA111,9x19mm,2010\n",
    );
    let events = more.write(
        "events.csv",
        "weapon,kind,occurred_on,country\nR-1,imported,2011-03-01,AT\n",
    );
    let out = more.json(&["import", s(&weapons), s(&events), "--json"]);
    assert_eq!(
        (out["weapons_added"].as_u64(), out["events_added"].as_u64()),
        (Some(1), Some(1))
    );

    // After the bulk load the indexes are there: a later clash is refused at once.
    if !more.on_postgres() {
        let conn = rusqlite::Connection::open(&more.db).expect("open");
        let indexes: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'weapons' AND sql LIKE 'CREATE UNIQUE INDEX %'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(indexes, 3);
    }
    let err = more.fails(&[
        "weapon",
        "add",
        "--category",
        "self-loading pistol",
        "--manufacturer",
        "Glock",
        "--country",
        "AT",
        "--model",
        "G17",
        "--serial",
        "AAA-111",
        "--calibre",
        "9x19mm",
    ]);
    assert!(err.contains("the key must be unique"), "{err}");
}

#[test]
fn an_export_imported_into_a_new_registry_gives_the_same_records() {
    let node = Node::new();
    node.ok(&["demo", "--records", "300", "--seed", "5"]);
    // `demo` with --db builds into that file, here the already initialised registry.
    let csv_dir = node.path("export");
    let jsonl = node.path("export.jsonl");
    node.ok(&["export", "--format", "csv", "--out", s(&csv_dir)]);
    node.ok(&["export", "--format", "jsonl", "--out", s(&jsonl)]);
    for source in [&csv_dir, &jsonl] {
        let copy = Node::new();
        copy.ok(&["import", s(source)]);
        let again = copy.path("again.jsonl");
        copy.ok(&["export", "--format", "jsonl", "--out", s(&again)]);
        let a = std::fs::read_to_string(&jsonl).expect("read");
        let b = std::fs::read_to_string(&again).expect("read");
        assert_eq!(a.lines().count(), b.lines().count());
        assert!(a == b, "the re-export from {source:?} differs");
        assert!(copy.ok(&["verify"]).contains("journal intact"));
        let (sa, sb) = (
            node.json(&["summary", "--json"]),
            copy.json(&["summary", "--json"]),
        );
        assert_eq!(
            sa["summary"]["by_status"], sb["summary"]["by_status"],
            "the same histories give the same states"
        );
    }
}

#[test]
fn the_demo_is_the_same_for_the_same_seed() {
    let a = Node::new();
    let b = Node::new();
    let c = Node::new();
    a.ok(&["demo", "--records", "200", "--seed", "9"]);
    b.ok(&["demo", "--records", "200", "--seed", "9"]);
    c.ok(&["demo", "--records", "200", "--seed", "10"]);
    let export = |n: &Node| {
        let p = n.path("e.jsonl");
        n.ok(&["export", "--format", "jsonl", "--out", s(&p)]);
        std::fs::read_to_string(p).expect("read")
    };
    let (ea, eb, ec) = (export(&a), export(&b), export(&c));
    assert_eq!(ea, eb);
    assert_ne!(ea, ec);
    for kind in [
        "\"seized\"",
        "\"found\"",
        "\"surrendered\"",
        "\"destroyed\"",
        "\"deactivated\"",
        "\"reported_stolen\"",
        "\"administrative_violation\"",
        "\"inadequately_marked\":true",
        "\"sex\":\"female\"",
    ] {
        assert!(ea.contains(kind), "the demo has no {kind}");
    }
}

fn tamper(node: &Node, sql: &str) {
    let conn = rusqlite::Connection::open(&node.db).expect("open");
    conn.execute_batch("PRAGMA foreign_keys = OFF; DROP TRIGGER IF EXISTS journal_no_update; DROP TRIGGER IF EXISTS journal_no_delete;").expect("drop triggers");
    conn.execute_batch(sql).expect("tamper");
}

fn broken_at(node: &Node) -> (i64, String) {
    let out = node.run(&["verify", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "verify should fail: {}",
        stdout(&out)
    );
    let report: Value = serde_json::from_str(&stdout(&out)).expect("json");
    (
        report["first_broken"].as_i64().expect("first_broken"),
        report["problem"].as_str().unwrap_or_default().to_owned(),
    )
}

fn small_registry() -> Node {
    let node = Node::new();
    for i in 0..5 {
        let w = node.pistol(&format!("T{i:03}"));
        node.event_ok(&w, "found", "2020-01-01", &[]);
    }
    assert!(node.ok(&["verify"]).contains("journal intact: 11 entries"));
    node
}

#[test]
fn the_journal_refuses_updates_and_deletes_by_itself() {
    let node = small_registry();
    let conn = rusqlite::Connection::open(&node.db).expect("open");
    let e = conn
        .execute("UPDATE journal SET payload = '{}' WHERE seq = 3", [])
        .expect_err("update refused");
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = conn
        .execute("DELETE FROM journal WHERE seq = 3", [])
        .expect_err("delete refused");
    assert!(e.to_string().contains("append-only"), "{e}");
}

#[test]
fn verify_names_the_first_changed_deleted_or_inserted_entry() {
    // Changed payload.
    let node = small_registry();
    tamper(
        &node,
        "UPDATE journal SET payload = replace(payload, 'T002', 'T999') WHERE seq = 6",
    );
    assert_eq!(broken_at(&node).0, 6);
    // Changed, with the hash recomputed by someone who knows BLAKE3 but not the node key: the
    // next entry's link breaks.
    let node = small_registry();
    tamper(
        &node,
        "UPDATE journal SET recorded_by = 'intruder' WHERE seq = 4",
    );
    assert_eq!(broken_at(&node).0, 4);
    // Deleted in the middle.
    let node = small_registry();
    tamper(&node, "DELETE FROM journal WHERE seq = 7");
    let (seq, problem) = broken_at(&node);
    assert_eq!(seq, 7);
    assert!(problem.contains("missing"), "{problem}");
    // Deleted at the end: only the signed head shows it.
    let node = small_registry();
    tamper(&node, "DELETE FROM journal WHERE seq = 11");
    let (seq, problem) = broken_at(&node);
    assert_eq!(seq, 11);
    assert!(problem.contains("removed"), "{problem}");
    // Inserted at the end, with a made-up hash.
    let node = small_registry();
    tamper(
        &node,
        "INSERT INTO journal SELECT 12, 'x', kind, subject, occurred_at, recorded_at, recorded_by, source, payload, hash FROM journal WHERE seq = 11",
    );
    assert_eq!(broken_at(&node).0, 12);
    // Inserted in the middle by renumbering the rows after it.
    let node = small_registry();
    tamper(
        &node,
        "UPDATE journal SET seq = seq + 100 WHERE seq > 5; UPDATE journal SET seq = seq - 99 WHERE seq > 100;
         INSERT INTO journal SELECT 6, 'y', kind, subject, occurred_at, recorded_at, recorded_by, source, payload, hash FROM journal WHERE seq = 5;",
    );
    assert_eq!(broken_at(&node).0, 6);
    // A registry left alone verifies.
    let node = small_registry();
    assert!(node.ok(&["verify"]).contains("intact"));
}

#[test]
fn verify_catches_an_entry_appended_with_a_correct_chain_hash() {
    // Whoever recomputes BLAKE3 correctly still lacks the node key to sign the new head.
    let node = small_registry();
    let conn = rusqlite::Connection::open(&node.db).expect("open");
    let (hash, payload): (Vec<u8>, String) = conn
        .query_row(
            "SELECT hash, payload FROM journal WHERE seq = 11",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("row");
    let mut h = blake3::Hasher::new();
    h.update(&hash);
    let fields = [
        "12",
        "0195f000-0000-7000-8000-000000000000",
        "event.recorded",
        "weapon:x",
        "2020-01-01",
        "2020-01-01",
        "intruder",
        "sql",
        &payload,
    ];
    for f in fields {
        h.update(&(f.len() as u64).to_le_bytes());
        h.update(f.as_bytes());
    }
    let forged = h.finalize();
    conn.execute(
        "INSERT INTO journal VALUES (12, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        rusqlite::params![
            fields[1],
            fields[2],
            fields[3],
            fields[4],
            fields[5],
            fields[6],
            fields[7],
            fields[8],
            &forged.as_bytes()[..]
        ],
    )
    .expect("insert");
    let (seq, problem) = broken_at(&node);
    assert_eq!(seq, 12);
    assert!(
        problem.contains("not covered by a head signed"),
        "{problem}"
    );
}

#[test]
fn usage_errors_exit_2_and_missing_registry_exits_1() {
    let out = Command::new(salw_bin())
        .args(["weapon", "add"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(salw_bin())
        .args(["frobnicate"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let dir = tempfile::tempdir().expect("dir");
    let missing = dir.path().join("nope.db");
    let out = Command::new(salw_bin())
        .arg("--db")
        .arg(&missing)
        .args(["show", "x"])
        .env_remove("SALW_DATABASE")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no registry at"), "{}", stderr(&out));
    assert!(!missing.exists(), "reading does not create a registry");
    let out = Command::new(salw_bin())
        .args(["verify"])
        .env_remove("SALW_DATABASE")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--db"), "{}", stderr(&out));
}

#[test]
fn a_registry_named_in_a_form_salw_does_not_open_is_refused_saying_what_it_opens() {
    let dir = tempfile::tempdir().expect("dir");
    for (db, scheme) in [
        ("mysql://bob:secret@db.example/registry", "mysql://"),
        ("sqlite://registry.db", "sqlite://"),
    ] {
        for args in [&["init"][..], &["verify"]] {
            let out = Command::new(salw_bin())
                .current_dir(dir.path())
                .args(["--db", db])
                .args(args)
                .env_remove("SALW_DATABASE")
                .output()
                .expect("runs");
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{err}");
            assert!(
                err.contains(&format!("is a {scheme} URL"))
                    && err.contains("a SQLite file (a path) or a PostgreSQL database"),
                "{err}"
            );
            assert!(
                !err.contains("secret"),
                "the password is never shown: {err}"
            );
        }
    }
    let made: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert!(made.is_empty(), "no file was made of the URL: {made:?}");

    // A PostgreSQL URL whose search_path names no schema that exists.
    let Some(url) = salw_store_any::fresh_test_database("cli-schema") else {
        return;
    };
    let gone = url.replace("csearch_path%3Dt_", "csearch_path%3Dgone_t_");
    assert_ne!(gone, url);
    for args in [&["init"][..], &["verify"]] {
        let out = Command::new(salw_bin())
            .args(["--db", &gone, "--key-file"])
            .arg(dir.path().join("node.key"))
            .args(args)
            .output()
            .expect("runs");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("names no schema that exists; create one (CREATE SCHEMA"),
            "{err}"
        );
    }
}

#[test]
fn what_the_command_line_shows_of_the_records_is_in_the_audit_trail() {
    let node = Node::new();
    let id = node.pistol("AUD-123");
    node.ok(&["--user", "amina", "show", &id]);
    node.ok(&["--user", "amina", "search", "AUD 123"]);
    let out = node.path("out");
    node.ok(&[
        "--user",
        "amina",
        "export",
        "--format",
        "csv",
        "--out",
        s(&out),
    ]);
    let mut backend = salw_store_any::Location::from_path(&node.db)
        .expect("location")
        .open(false)
        .expect("open");
    let lines = salw_store::AccessBackend::audit(
        &mut backend,
        &salw_store::AuditFilter {
            actor: Some("amina".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .expect("audit");
    let seen: Vec<(String, String, String)> = lines
        .iter()
        .map(|l| {
            (
                l.draft.action.clone(),
                l.draft.role.clone(),
                l.draft.shown.clone(),
            )
        })
        .collect();
    for action in ["view-weapon", "search", "export"] {
        assert!(
            seen.iter()
                .any(|(a, r, _)| a == action && r == "command line"),
            "{action}: {seen:?}"
        );
    }
    // The search's line names the weapon it showed.
    assert!(
        seen.iter()
            .any(|(a, _, shown)| a == "search" && shown.contains(&id)),
        "{seen:?}"
    );
    assert_eq!(
        salw_store::verify_audit(&mut backend).expect("verify"),
        None
    );
}

#[test]
fn writes_need_the_node_key_and_init_never_overwrites() {
    let node = Node::new();
    let err = node.fails(&["init", "--country", "KE"]);
    assert!(err.contains("already a registry"), "{err}");
    std::fs::rename(node.path("registry.db.key"), node.path("moved.key")).expect("move key");
    let err = node.fails(&[
        "weapon",
        "add",
        "--category",
        "rifle",
        "--manufacturer",
        "FN",
        "--country",
        "BE",
        "--model",
        "FAL",
        "--serial",
        "1",
    ]);
    assert!(
        err.contains("signing key") && err.contains("writes are refused"),
        "{err}"
    );
    assert!(
        node.ok(&["verify"]).contains("intact"),
        "reading works without the key"
    );
    let key = node.path("moved.key");
    node.ok(&[
        "--key-file",
        s(&key),
        "weapon",
        "add",
        "--category",
        "rifle",
        "--manufacturer",
        "FN",
        "--country",
        "BE",
        "--model",
        "FAL",
        "--serial",
        "1",
    ]);
    let info = node.json(&["node", "info", "--json"]);
    assert_eq!(info["country"], "KE");
    assert_eq!(info["public_key"].as_str().map(str::len), Some(64));
}

/// Kills `salw import` with SIGKILL at moments spread over its run: afterwards the registry
/// holds none or all of the file, and the journal verifies.
#[test]
#[cfg(unix)]
fn an_import_killed_at_any_moment_leaves_none_or_all_of_the_file() {
    let node = Node::new();
    let data = node.path("data");
    let generated = Command::new(salw_bin())
        .args([
            "demo",
            "--records",
            "4000",
            "--seed",
            "3",
            "--csv-out",
            s(&data),
        ])
        .output()
        .expect("runs");
    assert!(generated.status.success(), "{}", stderr(&generated));
    let base = node.journal_len();
    // How long a whole import takes here, to spread the kills over it.
    let probe = Node::new();
    let started = std::time::Instant::now();
    probe.ok(&["import", s(&data)]);
    let full = started.elapsed();
    let all = probe.journal_len() - 1;
    let mut outcomes = (0, 0);
    for i in 0..6u32 {
        let mut child = Command::new(salw_bin())
            .args(node.location_args())
            .args(["import", s(&data)])
            .spawn()
            .expect("spawn");
        std::thread::sleep(full * (i + 1) / 8);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let len = node.journal_len() - base;
        assert!(
            len == 0 || len == all,
            "after kill {i}: {len} of {all} entries: a partial import"
        );
        assert!(node.ok(&["verify"]).contains("intact"));
        if len == 0 {
            outcomes.0 += 1
        } else {
            outcomes.1 += 1;
            break;
        }
    }
    assert!(
        outcomes.0 > 0,
        "no kill landed during an import; the test did not test anything"
    );
}

#[test]
fn categories_can_be_extended_and_both_marking_forms_are_kept() {
    let node = Node::new();
    let err = node.fails(&[
        "weapon",
        "add",
        "--category",
        "flamethrower",
        "--manufacturer",
        "X",
        "--country",
        "DE",
        "--model",
        "F1",
        "--serial",
        "1",
    ]);
    assert!(
        err.contains("'flamethrower' is not a known category"),
        "{err}"
    );
    node.ok(&["category-add", "Flamethrower", "--class", "light_weapon"]);
    let err = node.fails(&["category-add", "flamethrower", "--class", "light_weapon"]);
    assert!(err.contains("already exists"), "{err}");
    let err = node.fails(&["category-add", "ray gun", "--class", "huge"]);
    assert!(
        err.contains("--class: 'huge' is not one of: small_arm, light_weapon"),
        "{err}"
    );
    node.add_weapon(&[
        "--category",
        "flamethrower",
        "--manufacturer",
        "X",
        "--country",
        "DE",
        "--model",
        "F1",
        "--serial",
        "1",
    ]);
    assert!(node.ok(&["categories"]).contains("flamethrower"));

    // ITI para 8(b): coded symbols with a code from which the country can be told.
    let err = node.fails(&[
        "weapon",
        "add",
        "--category",
        "assault rifle",
        "--marking-form",
        "coded_symbols",
        "--serial",
        "5612345",
    ]);
    assert!(
        err.contains("symbol_code: required by the coded-symbols marking form"),
        "{err}"
    );
    let id = node.add_weapon(&[
        "--category",
        "assault rifle",
        "--marking-form",
        "coded_symbols",
        "--symbol-code",
        "△66",
        "--serial",
        "5612345",
        "--model",
        "Type 56",
        "--manufacturer",
        "Norinco",
        "--country",
        "CN",
    ]);
    let shown = node.json(&["show", &id, "--json"]);
    assert_eq!(shown["weapon"]["marking_form"], "coded_symbols");
    assert_eq!(shown["weapon"]["symbol_code"], "△66");
}

const SEARCH_CSV: &str = "\
reference,category,manufacturer,country,model,serial,calibre,year
S-1,assault rifle,Zastava Arms,YU,M70,52-01234,7.62x39mm,1988
S-2,self-loading pistol,Glock,AT,G17,TA1234,9x19mm,2010
S-3,portable anti-tank rocket launcher,Bazalt,SU,RPG-7,ЭВ8009,40mm,1975
S-4,assault rifle,Norinco,CN,Type 56,56-012345,7.62x39mm,1990
S-5,self-loading pistol,FN Herstal,BE,Five-seveN,345678,5.7x28mm,2005
S-6,rifle,Heckler & Koch,DE,G3,52-01234,7.62x51mm,1970
";

fn search_registry() -> (Node, Value) {
    let node = Node::new();
    let csv = node.write("weapons.csv", SEARCH_CSV);
    node.ok(&["import", s(&csv)]);
    let ids = node.json(&["weapon", "list", "--json"]);
    (node, ids)
}

fn id_of(list: &Value, reference: &str) -> String {
    list.as_array()
        .and_then(|a| {
            a.iter()
                .find(|w| w["weapon"]["reference"] == reference)
                .and_then(|w| w["weapon"]["id"].as_str())
        })
        .unwrap_or_else(|| panic!("no {reference} in {list}"))
        .to_owned()
}

fn first_hit(node: &Node, args: &[&str]) -> Value {
    let mut all = vec!["search", "--json"];
    all.extend_from_slice(args);
    let out = node.json(&all);
    out["hits"][0].clone()
}

#[test]
fn the_marking_search_finds_misread_worn_and_foreign_script_serials() {
    let (node, list) = search_registry();
    for (query, reference, said) in [
        ("52O1234", "S-1", "position 3: read O as 0"),
        ("ТА1234", "S-2", "Cyrillic letters ТА read as TA"),
        ("56-01234?", "S-4", "position 8 unknown"),
        ("*012345", "S-4", "positions 1–2 unknown"),
        ("٣٤٥٦٧٨", "S-5", "Arabic-Indic digits ٣٤٥٦٧٨ read as 345678"),
        (
            "345687",
            "S-5",
            "positions 5–6: 87 typed, the record has 78",
        ),
        ("ЭВ8OO9", "S-3", "read O as 0"),
    ] {
        let hit = first_hit(&node, &[query]);
        assert_eq!(hit["weapon_id"], id_of(&list, reference), "{query}: {hit}");
        let explanation = hit["explanation"].to_string();
        assert!(
            explanation.contains(said),
            "{query}: expected '{said}' in {explanation}"
        );
        assert!(
            hit["marked"].as_array().is_some_and(|m| !m.is_empty()),
            "{query}: what was reinterpreted is marked: {hit}"
        );
    }
    let exact = first_hit(&node, &["５６-０１２３４５"]);
    assert_eq!(exact["weapon_id"], id_of(&list, "S-4"));
    assert_eq!(exact["score"], 100);

    // The same serial on two models: both come back; a filter picks one.
    let both = node.json(&["search", "52 01234", "--json"]);
    let ids: Vec<&Value> = both["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .take(2)
        .map(|h| &h["weapon_id"])
        .collect();
    assert!(
        ids.contains(&&Value::from(id_of(&list, "S-1")))
            && ids.contains(&&Value::from(id_of(&list, "S-6"))),
        "{both}"
    );
    let zastava = node.json(&["search", "52 01234", "--make", "zastava", "--json"]);
    assert_eq!(
        zastava["hits"].as_array().map(Vec::len),
        Some(1),
        "{zastava}"
    );
    assert_eq!(zastava["hits"][0]["weapon_id"], id_of(&list, "S-1"));
    let none = node.json(&["search", "52 01234", "--country", "FR", "--json"]);
    assert_eq!(none["hits"].as_array().map(Vec::len), Some(0));

    // Both ends worn: each character the `*`s cover costs one, so 52-0123[4] (three) ranks
    // above 56-0123[45] (four), whether the answer has room for one, two or three.
    let worn = |limit: &str| -> Vec<(String, u64)> {
        let out = node.json(&["search", "*0123*", "--limit", limit, "--json"]);
        out["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .map(|h| {
                let id = h["weapon_id"].as_str().unwrap_or_default().to_owned();
                (id, h["score"].as_u64().unwrap_or_default())
            })
            .collect()
    };
    let three = worn("3");
    let scores: Vec<u64> = three.iter().map(|h| h.1).collect();
    assert_eq!(scores, vec![97, 97, 96], "{three:?}");
    assert_eq!(three[2].0, id_of(&list, "S-4"));
    for limit in ["1", "2"] {
        let fewer = worn(limit);
        assert_eq!(fewer[..], three[..fewer.len()], "--limit {limit}");
    }

    // Both ends worn and two characters swapped: nothing holds the marking as typed, so the
    // walk over every key is ranked with the swap; a make no weapon has leaves nothing.
    let swapped = node.json(&["search", "*0213*", "--json"]);
    let swapped_ids: Vec<&Value> = swapped["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| &h["weapon_id"])
        .collect();
    assert!(
        swapped_ids.contains(&&Value::from(id_of(&list, "S-4"))),
        "{swapped}"
    );
    assert!(
        swapped["hits"][0]["explanation"]
            .to_string()
            .contains("typed"),
        "{swapped}"
    );
    for query in ["*0123*", "*0213*"] {
        let other = node.json(&["search", query, "--make", "Beretta", "--json"]);
        assert_eq!(other["hits"].as_array().map(Vec::len), Some(0), "{other}");
        let norinco = node.json(&["search", query, "--make", "norinco", "--json"]);
        assert_eq!(
            norinco["hits"][0]["weapon_id"],
            id_of(&list, "S-4"),
            "{norinco}"
        );
    }
    // A misspelt make is said to be why nothing was found, with the nearest registered one.
    let misspelt = node.ok(&["search", "*0123*", "--make", "Norinko"]);
    assert!(
        misspelt.contains("no manufacturer of a registered weapon matches 'Norinko'")
            && misspelt.contains("the nearest: Norinco"),
        "{misspelt}"
    );
    let near = node.json(&["search", "56-012345", "--make", "Norinko", "--json"]);
    assert_eq!(near["makes_near"], serde_json::json!(["Norinco"]), "{near}");
    let none_near = node.json(&["search", "56-012345", "--make", "Beretta", "--json"]);
    assert_eq!(
        none_near["makes_near"],
        serde_json::json!([]),
        "{none_near}"
    );
    let found = node.json(&["search", "56-012345", "--make", "norinco", "--json"]);
    assert!(found.get("makes_near").is_none(), "{found}");
    // Nothing found: the answer says how far it looked, which depends on the `*`.
    for (query, looked) in [
        ("*9876", "looked for it as typed, up to a swap"),
        ("*QW9876543", "looked for it up to one difference"),
        (
            "QW9876543",
            "looked for it up to two differences, and as the start or end",
        ),
        ("QW98?6543", "looked for it up to two differences)"),
    ] {
        let none = node.ok(&["search", query]);
        assert!(
            none.contains(&format!(
                "no registered weapon comes close to '{query}' ({looked}"
            )),
            "{query}: {none}"
        );
    }
    let scan = node.ok(&["search", "*9876", "--brute-force"]);
    assert!(
        scan.contains("(looked through every serial, up to two differences)"),
        "{scan}"
    );
    let none = node.ok(&["search", "QW9876543", "--make", "norinco"]);
    assert!(
        none.contains("no registered weapon among those the filters leave comes close"),
        "{none}"
    );
    // Six characters in front of the known ones, more than the first walks allow: with a make
    // filter the make's serials are read and matched whole; without, S-5 (345678) is nearer.
    let front = node.json(&["search", "*45*", "--make", "norinco", "--json"]);
    assert_eq!(
        front["hits"][0]["weapon_id"],
        id_of(&list, "S-4"),
        "{front}"
    );
    assert_eq!(front["hits"].as_array().map(Vec::len), Some(1), "{front}");
    let unfiltered = first_hit(&node, &["*45*"]);
    assert_eq!(unfiltered["weapon_id"], id_of(&list, "S-5"), "{unfiltered}");

    // The text form marks the reinterpreted characters on the serial itself.
    let text = node.ok(&["search", "52O1234", "--limit", "1"]);
    assert!(
        text.contains("52[0]1234") && text.contains("read O as 0"),
        "{text}"
    );

    // Bad queries say why, with exit 1; usage errors exit 2.
    let err = node.fails(&["search", " - / "]);
    assert!(err.contains("no letter or digit"), "{err}");
    let err = node.fails(&["search", "*"]);
    assert!(err.contains("give at least 2"), "{err}");
    assert_eq!(
        node.run(&["search", "12", "--limit", "0"]).status.code(),
        Some(2)
    );
}

#[test]
fn the_search_index_is_kept_beside_the_registry_follows_writes_and_rebuilds() {
    let (node, _) = search_registry();
    // The import built no index (there was none); the first search does, the second opens it.
    let first = node.run(&["search", "TA1234"]);
    assert!(
        stderr(&first).contains("no search index yet"),
        "{}",
        stderr(&first)
    );
    let second = node.run(&["search", "TA1234"]);
    assert_eq!(stderr(&second), "", "the index is opened, not rebuilt");
    let index_dir = node.path("registry.db.search");
    let build = std::fs::read_to_string(index_dir.join("current")).expect("the build in use");
    assert!(
        index_dir.join(build.trim()).join("forward.fst").exists(),
        "{index_dir:?}"
    );

    // A weapon registered after the build is found at once (the delta), without a rebuild.
    let id = node.pistol("ZZ-900-1");
    let out = node.run(&["search", "ZZ9OO1", "--json"]);
    assert_eq!(stderr(&out), "");
    let hits: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(hits["hits"][0]["weapon_id"], id.as_str());
    // A make filter: decided from the index's make codes for indexed weapons, from the
    // manufacturer read with the delta for the new one (a Glock, like S-2).
    let makes = |node: &Node, query: &str, make: &str| -> Vec<String> {
        let out = node.json(&["search", query, "--make", make, "--json"]);
        out["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .filter_map(|h| h["weapon_id"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(makes(&node, "ZZ9OO1", "glock"), vec![id.clone()]);
    assert!(makes(&node, "ZZ9OO1", "zastava").is_empty());
    let s2 = makes(&node, "TA1234", "GLOCK");
    assert_eq!(s2.len(), 1);
    assert!(makes(&node, "TA1234", "Norinco").is_empty());

    let meta = node.json(&["index", "rebuild", "--json"]);
    assert_eq!(meta["weapons"], 7);
    assert_eq!(meta["max_ordinal"], 7);
    // The same answers once the new weapon is in the index itself.
    assert_eq!(makes(&node, "ZZ9OO1", "glock"), vec![id.clone()]);
    assert!(makes(&node, "ZZ9OO1", "zastava").is_empty());
    assert_eq!(makes(&node, "TA1234", "GLOCK"), s2);

    // An index copied from another registry is not trusted: it is rebuilt.
    let other = Node::new();
    other.pistol("QQ1");
    other.ok(&["index", "rebuild"]);
    std::fs::remove_dir_all(&index_dir).expect("remove");
    std::fs::rename(other.path("registry.db.search"), &index_dir).expect("move");
    let out = node.run(&["search", "ZZ9001", "--json"]);
    assert!(
        stderr(&out).contains("another registry"),
        "{}",
        stderr(&out)
    );
    let hits: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(hits["hits"][0]["weapon_id"], id.as_str());

    // A file of the index cut short (a crash during a build, a bad disk) is found on open
    // and the index is rebuilt, never read.
    let build = std::fs::read_to_string(index_dir.join("current")).expect("current");
    let fst = index_dir.join(build.trim()).join("forward.fst");
    let bytes = std::fs::read(&fst).expect("read");
    std::fs::write(&fst, &bytes[..bytes.len() / 2]).expect("cut");
    let out = node.run(&["search", "ZZ9001", "--json"]);
    assert!(stderr(&out).contains("cannot be read"), "{}", stderr(&out));
    let hits: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(hits["hits"][0]["weapon_id"], id.as_str());

    // An index of an older normaliser is rebuilt.
    let build = std::fs::read_to_string(index_dir.join("current")).expect("current");
    let meta_path = index_dir.join(build.trim()).join("meta.json");
    let mut meta: Value =
        serde_json::from_str(&std::fs::read_to_string(&meta_path).expect("meta")).expect("json");
    meta["normaliser"] = Value::from(0);
    std::fs::write(&meta_path, meta.to_string()).expect("write");
    let out = node.run(&["search", "ZZ9001"]);
    assert!(stderr(&out).contains("another version"), "{}", stderr(&out));
    assert_eq!(stderr(&node.run(&["search", "ZZ9001"])), "");
}

#[test]
fn a_star_over_nothing_ranks_below_characters_where_it_was_typed() {
    let node = Node::new();
    let csv = node.write(
        "weapons.csv",
        "reference,category,manufacturer,country,model,serial,calibre,year
E-1,rifle,Zastava Arms,YU,M70,4711,7.62x39mm,1988
E-2,rifle,Zastava Arms,YU,M70,ABCDE4711F,7.62x39mm,1988
E-3,rifle,Zastava Arms,YU,M70,12345678,7.62x39mm,1988
E-4,rifle,Zastava Arms,YU,M70,12A345679B,7.62x39mm,1988
E-5,rifle,Zastava Arms,YU,M70,80786,7.62x39mm,1988
E-6,rifle,Zastava Arms,YU,M70,0786,7.62x39mm,1988
",
    );
    node.ok(&["import", s(&csv)]);
    let list = node.json(&["weapon", "list", "--json"]);
    let ranked = |query: &str| -> (Vec<String>, Vec<u64>, Value) {
        let out = node.json(&["search", query, "--json"]);
        let hits = out["hits"].as_array().cloned().unwrap_or_default();
        let ids = hits
            .iter()
            .map(|h| h["weapon_id"].as_str().unwrap_or_default().to_owned())
            .collect();
        let scores = hits.iter().filter_map(|h| h["score"].as_u64()).collect();
        (ids, scores, out)
    };
    // A lost front: the serial with a character there first, the one with none after it.
    let (ids, scores, out) = ranked("*0786");
    assert_eq!(ids, vec![id_of(&list, "E-5"), id_of(&list, "E-6")], "{out}");
    assert_eq!(scores, vec![99, 90], "{out}");
    // The marking as typed matches 12345678 only with both `*` over nothing (cost 20): a
    // serial one character away with characters under both (cost 12) is looked for, and wins.
    let (ids, _, out) = ranked("12*345678*");
    assert_eq!(ids, vec![id_of(&list, "E-4"), id_of(&list, "E-3")], "{out}");
    // `*4711*`: a part of the serial, wherever it stands. The first walks look at serials with
    // at most four characters in front; ABCDE4711F has five, so the answer says it is
    // incomplete rather than complete without it.
    let (ids, scores, out) = ranked("*4711*");
    assert_eq!(ids.first(), Some(&id_of(&list, "E-1")), "{out}");
    assert_eq!(scores.first(), Some(&100), "{out}");
    assert_eq!(out["incomplete"], true, "{out}");

    // More candidates than a search reads, and the filters leave none of those read: the
    // answer does not say that nothing comes close.
    let many = Node::new();
    let rows: String = (0..4100)
        .map(|i| format!("M-{i},self-loading pistol,Glock,AT,G{i},777123,9x19mm,2010\n"))
        .collect();
    let csv = many.write(
        "weapons.csv",
        &format!("reference,category,manufacturer,country,model,serial,calibre,year\n{rows}"),
    );
    many.ok(&["import", s(&csv)]);
    let none = many.ok(&["search", "777123", "--country", "DE"]);
    assert!(
        none.contains(
            "no registered weapon that the filters leave was found among those looked at"
        ),
        "{none}"
    );
}

#[test]
fn search_ranks_wanted_weapons_first_among_equals_and_filters_on_every_field() {
    let (node, list) = search_registry();
    // Two weapons with the same serial; the stolen one comes first, at the same score.
    let zastava = id_of(&list, "S-1");
    node.event_ok(&zastava, "reported_stolen", "2023-04-01", &[]);
    let out = node.json(&["search", "52-01234", "--json"]);
    assert_eq!(out["hits"][0]["weapon_id"], zastava.as_str(), "{out}");
    assert_eq!(out["hits"][0]["score"], out["hits"][1]["score"]);
    assert!(
        out["hits"][0]["explanation"]
            .to_string()
            .contains("reported stolen")
    );
    for (flag, value, reference) in [
        ("--model", "g3", "S-6"),
        ("--calibre", "7.62x51", "S-6"),
        // Another name of the calibre recorded (7.62x51mm).
        ("--calibre", ".308 Win", "S-6"),
        ("--type", "assault", "S-1"),
        ("--country", "yu", "S-1"),
        ("--make", "heckler", "S-6"),
    ] {
        let out = node.json(&["search", "52-01234", flag, value, "--json"]);
        let ids: Vec<&str> = out["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .filter_map(|h| h["weapon_id"].as_str())
            .collect();
        assert_eq!(
            ids,
            vec![id_of(&list, reference).as_str()],
            "{flag} {value}: {out}"
        );
    }
    // More weapons as good as the last hit shown: the answer says it is incomplete.
    let many = Node::new();
    let rows: String = (0..15)
        .map(|i| format!("T-{i},self-loading pistol,Glock,AT,G{i},777123,9x19mm,2010\n"))
        .collect();
    let csv = many.write(
        "weapons.csv",
        &format!("reference,category,manufacturer,country,model,serial,calibre,year\n{rows}"),
    );
    many.ok(&["import", s(&csv)]);
    let tied = many.json(&["search", "777123", "--limit", "5", "--json"]);
    assert_eq!(tied["hits"].as_array().map(Vec::len), Some(5));
    assert_eq!(tied["incomplete"], true, "{tied}");
    let text = many.ok(&["search", "777123", "--limit", "5"]);
    assert!(
        text.contains("more weapons match than were looked at"),
        "{text}"
    );
    let all = many.json(&["search", "777123", "--limit", "20", "--json"]);
    assert_eq!(all["hits"].as_array().map(Vec::len), Some(15));
    assert_eq!(all["incomplete"], false, "{all}");

    // A read in part scores below a read whole, and says what was not read.
    let partial = first_hit(&node, &["345?78"]);
    assert_eq!(partial["weapon_id"], id_of(&list, "S-5"));
    assert!(
        partial["score"].as_u64().is_some_and(|s| s < 100),
        "{partial}"
    );
    let extra = first_hit(&node, &["345678?"]);
    assert!(
        extra["explanation"]
            .to_string()
            .contains("an unreadable character (?) typed after position 6"),
        "{extra}"
    );
}

#[test]
fn a_batch_of_queries_answers_each_line_in_order() {
    let (node, list) = search_registry();
    let batch = node.write(
        "queries.jsonl",
        "{\"id\": \"q1\", \"serial\": \"52-O1234\", \"make\": \"Heckler\"}\n\
         {not json\n\
         \n\
         {\"id\": 7, \"serial\": \"*\"}\n\
         {\"id\": \"q4\", \"serial\": \"ТА1234\", \"type\": \"pistol\"}\n\
         {\"id\": \"q5\", \"serial\": \"1\", \"colour\": \"red\"}\n\
         {\"id\": \"q6\", \"serial\": \"TA1234\", \"make\": \"Glock\", \"country\": \" \"}\n",
    );
    let out = node.run(&["search", "--batch", s(&batch), "--timings"]);
    assert_eq!(out.status.code(), Some(1), "refused lines make exit 1");
    assert!(
        stderr(&out).contains("2 queries answered, 4 refused"),
        "{}",
        stderr(&out)
    );
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 6, "one line per query, blank lines skipped");
    assert_eq!(lines[0]["id"], "q1");
    assert_eq!(lines[0]["hits"][0]["weapon_id"], id_of(&list, "S-6"));
    assert_eq!(lines[0]["hits"].as_array().map(Vec::len), Some(1));
    assert!(lines[0]["micros"].as_u64().is_some());
    assert!(
        lines[1]["error"]
            .as_str()
            .is_some_and(|e| e.contains("not a query")),
        "{}",
        lines[1]
    );
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[2]["id"], 7);
    assert!(
        lines[2]["error"]
            .as_str()
            .is_some_and(|e| e.contains("serial:")),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3]["hits"][0]["weapon_id"], id_of(&list, "S-2"));
    assert!(
        lines[4]["error"]
            .as_str()
            .is_some_and(|e| e.contains("colour")),
        "{}",
        lines[4]
    );
    // A blank filter would keep no weapon (country) or every one (make): refused, named.
    assert_eq!(lines[5]["id"], "q6");
    assert!(
        lines[5]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("country: empty")),
        "{}",
        lines[5]
    );

    // From standard input too; options that only make sense for one query are refused.
    let mut child = std::process::Command::new(salw_bin())
        .args(node.location_args())
        .args(["search", "--batch", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(b"{\"id\": 1, \"serial\": \"TA1234\"}\n\xff\xfe\n")
            .expect("write");
    }
    let piped = child.wait_with_output().expect("wait");
    let answers: Vec<Value> = stdout(&piped)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(answers.len(), 2, "{}", stdout(&piped));
    assert_eq!(answers[0]["hits"][0]["weapon_id"], id_of(&list, "S-2"));
    assert!(
        answers[1]["error"]
            .as_str()
            .is_some_and(|e| e.contains("not UTF-8")),
        "{}",
        answers[1]
    );
    let refused = node.run(&["search", "--batch", s(&batch), "--make", "Glock"]);
    assert_eq!(refused.status.code(), Some(2));
    for option in ["--make", "--model", "--calibre", "--type", "--country"] {
        let blank = node.run(&["search", "TA1234", option, " "]);
        assert_eq!(blank.status.code(), Some(2), "{option}");
        assert!(
            stderr(&blank).contains(option) && stderr(&blank).contains("empty"),
            "{option}: {}",
            stderr(&blank)
        );
    }

    // Answered by several threads, the answers come back the same and in the same order.
    let many: String = (0..700)
        .map(|i| {
            format!(
                "{{\"id\": {i}, \"serial\": \"{}\"}}\n",
                ["52-O1234", "TA1234", "*012345", "345?78"][i % 4]
            )
        })
        .collect();
    let many = node.write("many.jsonl", &many);
    let one = node.run(&["search", "--batch", s(&many), "--threads", "1"]);
    let three = node.run(&["search", "--batch", s(&many), "--threads", "3"]);
    assert!(
        one.status.success() && three.status.success(),
        "{}",
        stderr(&three)
    );
    assert_eq!(stdout(&one).lines().count(), 700);
    assert_eq!(stdout(&one), stdout(&three));

    // The brute-force scan (the benchmark's oracle) agrees on the first hit.
    let oracle = node.run(&["search", "--batch", s(&batch), "--brute-force"]);
    let first: Value =
        serde_json::from_str(stdout(&oracle).lines().next().expect("a line")).expect("json");
    assert_eq!(first["hits"][0]["weapon_id"], id_of(&list, "S-6"));
    assert!(first.get("micros").is_none());
}

/// `salw serve` on port 0: the child, the address it printed, and what else it printed.
struct Served {
    child: std::process::Child,
    base: String,
    printed: Vec<String>,
}

impl Served {
    fn start(node: &Node, extra_env: &[(&str, &str)]) -> Served {
        use std::io::BufRead;
        let mut command = Command::new(salw_bin());
        command
            .args(node.location_args())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env_remove("SALW_DATABASE")
            .env_remove("SALW_ADMIN_PASSWORD")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, v) in extra_env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("salw serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let mut printed = Vec::new();
        let base = loop {
            let line = lines
                .next()
                .expect("salw serve printed its address before ending")
                .expect("a line");
            printed.push(line.clone());
            if let Some(rest) = line.split("at http://").nth(1) {
                break format!("http://{}", rest.trim_end_matches('/'));
            }
        };
        // Then the password, if any, and last "stop with Ctrl-C".
        for line in lines.by_ref() {
            let line = line.expect("a line");
            let last = line.starts_with("stop with");
            printed.push(line);
            if last {
                break;
            }
        }
        Served {
            child,
            base,
            printed,
        }
    }

    fn stop(self) -> std::process::ExitStatus {
        self.stop_with_log().0
    }

    /// Stops the server and returns its exit status and what it logged on stderr.
    fn stop_with_log(mut self) -> (std::process::ExitStatus, String) {
        use std::io::Read;
        #[cfg(unix)]
        // SAFETY: sending SIGTERM to our own child process.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let status = self.child.wait().expect("salw serve ends");
        let mut log = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            let _ = stderr.read_to_string(&mut log);
        }
        (status, log)
    }
}

/// Logs in through the form (fetching it first for its CSRF cookie and field); the status.
fn login_status(base: &str, name: &str, password: &str) -> (u16, Option<String>) {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let form = agent
        .get(&format!("{base}/login"))
        .call()
        .expect("the login form");
    let cookie = form
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .expect("a login cookie")
        .to_owned();
    let html = form.into_string().expect("html");
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a csrf field")
        .to_owned();
    let response = match agent
        .post(&format!("{base}/login"))
        .set("cookie", &cookie)
        .send_form(&[("name", name), ("password", password), ("csrf", &csrf)])
    {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("login: {e}"),
    };
    (
        response.status(),
        response.header("set-cookie").map(str::to_owned),
    )
}

fn http(method: &str, url: &str, token: Option<&str>) -> u16 {
    let mut request = ureq::AgentBuilder::new()
        .redirects(0)
        .build()
        .request(method, url);
    if let Some(t) = token {
        request = request.set("authorization", &format!("Bearer {t}"));
    }
    match request.call() {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("{method} {url}: {e}"),
    }
}

#[test]
fn serve_makes_a_first_administrator_and_accounts_and_tokens_work_over_http() {
    let node = small_registry();
    // The server looks at a token again after this long (30 s by default): 0, so that a token
    // revoked with the CLI below is refused at once.
    let served = Served::start(&node, &[("SALW_SESSION_RECHECK_SECONDS", "0")]);
    let password = served
        .printed
        .iter()
        .find_map(|l| l.split("one-time password: ").nth(1))
        .unwrap_or_else(|| panic!("no one-time password printed: {:?}", served.printed))
        .trim()
        .to_owned();
    let (status, cookie) = login_status(&served.base, "admin", &password);
    assert_eq!(status, 303, "the one-time password logs in");
    assert!(
        cookie.is_some_and(|c| c.contains("HttpOnly") && c.contains("SameSite=Strict")),
        "a session cookie"
    );

    let out = node.ok(&["user", "add", "amina", "--role", "investigator"]);
    assert!(out.contains("password (shown once): "), "{out}");
    let out = node.ok(&["token", "add", "amina", "--label", "case system"]);
    let secret = out
        .lines()
        .find(|l| l.starts_with("salw_"))
        .unwrap_or_else(|| panic!("no secret printed: {out}"))
        .to_owned();
    let me = format!("{}/api/v1/me", served.base);
    assert_eq!(http("GET", &me, Some(&secret)), 200);
    assert_eq!(http("GET", &me, Some("salw_not-a-token")), 401);
    assert_eq!(http("GET", &me, None), 401);
    // The investigator may search but not manage accounts.
    assert_eq!(
        http(
            "GET",
            &format!("{}/api/v1/users", served.base),
            Some(&secret)
        ),
        403
    );
    let prefix = &secret[..13];
    node.ok(&["token", "revoke", "amina", prefix]);
    assert_eq!(http("GET", &me, Some(&secret)), 401, "a revoked token");
    let listed = node.json(&["user", "list", "--json"]);
    let names: Vec<&str> = listed
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(names, ["admin", "amina"]);
    let status = served.stop();
    assert!(
        status.success(),
        "SIGTERM ends the server cleanly: {status:?}"
    );

    // A second start prints no password: there is an administrator already.
    let again = Served::start(&node, &[]);
    assert!(
        !again.printed.iter().any(|l| l.contains("password")),
        "{:?}",
        again.printed
    );
    again.stop();
}

#[test]
fn account_commands_refuse_bad_input_naming_the_field() {
    let node = small_registry();
    let e = node.fails(&["user", "add", "amina", "--role", "superuser"]);
    assert!(e.contains("--role") && e.contains("investigator"), "{e}");
    let e = node.fails(&["user", "add", "Amina Root", "--role", "analyst"]);
    assert!(e.contains("name:"), "{e}");
    let out = Command::new(salw_bin())
        .args(node.location_args())
        .args([
            "user",
            "add",
            "amina",
            "--role",
            "analyst",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().expect("stdin").write_all(b"short\n")?;
            child.wait_with_output()
        })
        .expect("salw runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("password: must be at least 10"),
        "{}",
        stderr(&out)
    );
    node.ok(&["user", "add", "amina", "--role", "analyst"]);
    let e = node.fails(&["user", "add", "amina", "--role", "auditor"]);
    assert!(e.contains("exists already"), "{e}");
    let e = node.fails(&["user", "disable", "nobody"]);
    assert!(e.contains("no account 'nobody'"), "{e}");
    let e = node.fails(&["token", "add", "nobody"]);
    assert!(e.contains("no account 'nobody'"), "{e}");

    let config = node.path("salw.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\ncolour = \"red\"\n").expect("write");
    let e = node.fails(&["serve", "--config", s(&config)]);
    assert!(e.contains("colour"), "{e}");
}

#[test]
fn an_administrator_password_from_the_environment_is_used_and_never_printed() {
    let node = small_registry();
    let served = Served::start(&node, &[("SALW_ADMIN_PASSWORD", "from the environment")]);
    assert!(
        !served
            .printed
            .iter()
            .any(|l| l.contains("from the environment") || l.contains("password")),
        "{:?}",
        served.printed
    );
    let (status, _) = login_status(&served.base, "admin", "from the environment");
    assert_eq!(status, 303);
    let (_, log) = served.stop_with_log();
    assert!(
        log.contains("admin_password: Some(\"[redacted]\")"),
        "{log}"
    );
    assert!(!log.contains("from the environment"), "{log}");
}

// --- SDG 16.4.2 from event-level records (data/sdg-16-4-2-vectors.json, DOMAIN.md §7) -------

/// Builds, as one JSON Lines import, the records a case describes: a weapon per item, its
/// recovery in `year`, and a trace outcome for those the case says. `extra` adds weapons of its
/// own (the scope case).
struct Story {
    lines: Vec<String>,
    next: usize,
}

impl Story {
    fn new() -> Story {
        Story {
            lines: Vec::new(),
            next: 0,
        }
    }

    /// One weapon recovered on `date`; `outcome` a trace outcome recorded a month later.
    #[allow(clippy::too_many_arguments)]
    fn arm(
        &mut self,
        category: &str,
        calibre: &str,
        antique: bool,
        marked: bool,
        route: &str,
        criminal: bool,
        date: &str,
        outcome: Option<&str>,
    ) {
        self.next += 1;
        let reference = format!("W-{}", self.next);
        let mut weapon = serde_json::json!({"record": "weapon", "reference": reference,
            "category": category, "calibre": calibre, "manufacturer": "Test Arms", "country": "BE",
            "model": "T1"});
        if marked {
            weapon["serial"] = serde_json::json!(format!("SN{:06}", self.next));
        } else {
            weapon["inadequately_marked"] = serde_json::json!(true);
            weapon["follow_up"] = serde_json::json!("mark_and_record");
        }
        if antique {
            weapon["antique"] = serde_json::json!(true);
            weapon["year"] = serde_json::json!(1890);
        }
        self.lines.push(weapon.to_string());
        let mut event = serde_json::json!({"record": "event", "weapon": reference, "kind": route,
            "occurred_on": date});
        if route == "seized" {
            event["seizure_basis"] = serde_json::json!(if criminal {
                "criminal_offence"
            } else {
                "administrative_violation"
            });
        }
        self.lines.push(event.to_string());
        if let Some(outcome) = outcome {
            self.trace(&reference, date, outcome);
        }
    }

    fn trace(&mut self, reference: &str, date: &str, outcome: &str) {
        let later = format!("{}-12-20", &date[..4]);
        let mut traced = serde_json::json!({"record": "event", "weapon": reference, "kind": "traced",
            "occurred_on": later, "trace_outcome": outcome});
        if outcome == "unsuccessful" {
            traced["reason"] = serde_json::json!("records destroyed");
        }
        self.lines.push(traced.to_string());
    }

    fn import(&self, node: &Node, name: &str) {
        let path = node.path(name);
        std::fs::write(&path, self.lines.join("\n") + "\n").expect("write");
        node.ok(&["import", s(&path)]);
    }
}

fn vector_cases() -> Vec<Value> {
    let text = include_str!("../../../data/sdg-16-4-2-vectors.json");
    let v: Value = serde_json::from_str(text).expect("vectors");
    v["cases"].as_array().expect("cases").clone()
}

fn vector(id: &str) -> Value {
    vector_cases()
        .into_iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

fn count(v: &Value, key: &str) -> usize {
    v[key].as_u64().unwrap_or(0) as usize
}

/// The story of a case with item and origin counts, recovered in `year`.
fn story_of(c: &Value, year: i32, story: &mut Story) {
    let mut origins: Vec<Option<&str>> = Vec::new();
    for (key, outcome) in [
        ("established_by_tracing", Some("established_by_tracing")),
        (
            "established_other_means",
            Some("established_by_other_means"),
        ),
        ("pending", Some("pending")),
        ("unsuccessful", Some("unsuccessful")),
        ("not_requested", None),
    ] {
        origins.extend(std::iter::repeat_n(outcome, count(&c["origin"], key)));
    }
    let mut next = origins.into_iter();
    let date = format!("{year}-03-15");
    for (key, route) in [
        ("seized_criminal", "seized"),
        ("found", "found"),
        ("surrendered", "surrendered"),
    ] {
        for _ in 0..count(&c["items"], key) {
            let outcome = next.next().flatten();
            story.arm(
                "self-loading pistol",
                "9x19mm",
                false,
                true,
                route,
                true,
                &date,
                outcome,
            );
        }
    }
    for _ in 0..count(&c["items"], "seized_administrative") {
        story.arm(
            "self-loading pistol",
            "9x19mm",
            false,
            true,
            "seized",
            false,
            &date,
            None,
        );
    }
}

fn indicator_json(node: &Node, args: &[&str]) -> Value {
    let mut all = vec!["indicator", "sdg-16-4-2", "--json"];
    all.extend_from_slice(args);
    node.json(&all)
}

#[test]
fn every_vector_case_holds_when_built_from_event_level_records() {
    let mut checked = 0;
    for c in vector_cases().iter().filter(|c| c.get("items").is_some()) {
        let node = Node::new();
        let mut story = Story::new();
        story_of(c, 2024, &mut story);
        if !story.lines.is_empty() {
            story.import(&node, "case.jsonl");
        }
        let r = indicator_json(&node, &["--year", "2024"]);
        let e = &c["expected"];
        assert_eq!(r["denominator"], e["denominator"], "{}: {r}", c["id"]);
        assert_eq!(r["numerator"], e["numerator"], "{}", c["id"]);
        assert_eq!(r["percent"].as_f64(), e["percent"].as_f64(), "{}", c["id"]);
        // The year before holds nothing: no value, never 0 %.
        let before = indicator_json(&node, &["--year", "2023"]);
        assert_eq!(before["percent"], Value::Null);
        checked += 1;
    }
    assert!(checked >= 4);
}

#[test]
fn scope_pooling_breakdowns_and_revisions_from_event_level_records() {
    // Scope: 3 mortars of 81 mm, 1 of 120 mm, an 1890 rifle, 2 pistols; origin established
    // for one 81 mm mortar and one pistol (the 200 rounds of ammunition are not records).
    let node = Node::new();
    let mut story = Story::new();
    let date = "2024-05-01";
    let est = Some("established_by_tracing");
    story.arm("mortar", "81mm", false, true, "seized", true, date, est);
    story.arm("mortar", "81mm", false, true, "seized", true, date, None);
    story.arm("mortar", "81 mm", false, true, "seized", true, date, None);
    story.arm("rifle", "7.62x54R", true, true, "seized", true, date, est);
    story.arm(
        "self-loading pistol",
        "9x19mm",
        false,
        true,
        "seized",
        true,
        date,
        est,
    );
    story.arm(
        "self-loading pistol",
        "9x19mm",
        false,
        true,
        "seized",
        true,
        date,
        None,
    );
    story.import(&node, "scope.jsonl");
    // A mortar of 120 mm is not a SALW at all (ITI para 4): the registry refuses it, so it can
    // never reach the indicator.
    let mut big = Story::new();
    big.next = 100;
    big.arm("mortar", "120mm", false, true, "seized", true, date, est);
    let path = node.path("big.jsonl");
    std::fs::write(&path, big.lines.join("\n") + "\n").expect("write");
    let refused = node.fails(&["import", s(&path)]);
    assert!(refused.contains("100 mm"), "{refused}");
    let r = indicator_json(&node, &["--year", "2024"]);
    let e = &vector("scope")["expected"];
    assert_eq!(
        (&r["denominator"], &r["numerator"], r["percent"].as_f64()),
        (&e["denominator"], &e["numerator"], e["percent"].as_f64())
    );

    // Two years pooled: 5 of 10, then 1 of 100.
    let node = Node::new();
    let mut story = Story::new();
    for (year, established, total) in [(2022, 5, 10), (2023, 1, 100)] {
        for i in 0..total {
            let outcome = (i < established).then_some("established_by_tracing");
            let date = format!("{year}-06-01");
            story.arm(
                "revolver",
                ".38 Special",
                false,
                true,
                "found",
                false,
                &date,
                outcome,
            );
        }
    }
    story.import(&node, "years.jsonl");
    let r = indicator_json(
        &node,
        &["--from", "2022-01-01", "--to", "2023-12-31", "--by-year"],
    );
    let e = &vector("two-years-pooled")["expected"];
    assert_eq!(
        r["pooled"]["percent"].as_f64(),
        e["pooled_percent"].as_f64()
    );
    assert_eq!(
        r["pooled"]["mean_of_ratios_percent"].as_f64(),
        e["mean_of_ratios_percent"].as_f64()
    );
    assert_eq!(r["percent"].as_f64(), e["pooled_percent"].as_f64());
    let sdmx = node.ok(&[
        "indicator",
        "sdg-16-4-2",
        "--from",
        "2022-01-01",
        "--to",
        "2023-12-31",
        "--by-year",
        "--sdmx",
    ]);
    assert!(
        sdmx.contains("VC_ARM_SZTRACE,KE,2022,PERCENT,50.00,A,5,10"),
        "{sdmx}"
    );
    assert!(
        sdmx.contains("VC_ARM_SZTRACE,KE,2022-2023,PERCENT,5.45,A,6,110"),
        "{sdmx}"
    );
    let empty = node.ok(&["indicator", "sdg-16-4-2", "--year", "2019", "--sdmx"]);
    assert!(
        empty.contains("VC_ARM_SZTRACE,KE,2019,PERCENT,,M,0,0"),
        "{empty}"
    );

    // Breakdowns from 'basic' with 60 marked arms, all 15 established ones among them.
    let node = Node::new();
    let basic = vector("basic");
    let mut story = Story::new();
    story_of(&basic, 2024, &mut story);
    // Unmark 90 of the 135 not established: rewrite their weapon lines.
    let mut unmarked = 0;
    let established: Vec<String> = story
        .lines
        .iter()
        .filter(|l| l.contains("established_by"))
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["weapon"].as_str().map(str::to_owned))
        .collect();
    for line in story.lines.iter_mut() {
        let mut v: Value = serde_json::from_str(line).expect("json");
        if v["record"] == "weapon"
            && unmarked < 90
            && !established.contains(&v["reference"].as_str().unwrap_or_default().to_owned())
        {
            v.as_object_mut().map(|o| o.remove("serial"));
            v["inadequately_marked"] = serde_json::json!(true);
            v["follow_up"] = serde_json::json!("mark_and_record");
            unmarked += 1;
            *line = v.to_string();
        }
    }
    story.import(&node, "basic.jsonl");
    let r = indicator_json(&node, &["--year", "2024"]);
    let e = &vector("breakdowns")["expected"];
    let b = &r["breakdowns"];
    assert_eq!(
        b["by_tracing"]["percent"].as_f64(),
        e["by_tracing_percent"].as_f64()
    );
    assert_eq!(
        b["by_other_means"]["percent"].as_f64(),
        e["by_other_means_percent"].as_f64()
    );
    assert_eq!(
        b["uniquely_marked"]["percent"].as_f64(),
        e["uniquely_marked_percent"].as_f64()
    );
    let marked_only = indicator_json(
        &node,
        &["--year", "2024", "--profile", "potentially-traceable"],
    );
    assert_eq!(marked_only["denominator"], 60);

    // Revision: 2 of 20 established at first release; pending traces later conclude with 8.
    let node = Node::new();
    let mut story = Story::new();
    for i in 0..20 {
        let outcome = if i < 2 {
            "established_by_tracing"
        } else {
            "pending"
        };
        story.arm(
            "shotgun",
            "12 gauge",
            false,
            true,
            "surrendered",
            false,
            "2024-02-01",
            Some(outcome),
        );
    }
    story.import(&node, "first.jsonl");
    let first = indicator_json(&node, &["--year", "2024", "--release"]);
    let e = &vector("revision")["expected"];
    assert_eq!(first["percent"].as_f64(), e["first_percent"].as_f64());
    assert_eq!(first["release"]["outcome"], "first");
    let again = indicator_json(&node, &["--year", "2024", "--release"]);
    assert_eq!(again["release"]["outcome"], "unchanged");
    let mut later = Story::new();
    for i in 3..=8 {
        later.trace(&format!("W-{i}"), "2025-01-01", "established_by_tracing");
    }
    later.import(&node, "later.jsonl");
    let revised = indicator_json(&node, &["--year", "2024", "--release"]);
    assert_eq!(revised["percent"].as_f64(), e["revised_percent"].as_f64());
    assert_eq!(revised["release"]["outcome"], "revision");
    let releases = node.json(&["indicator", "releases", "--json"]);
    let releases = releases.as_array().expect("releases");
    assert_eq!(releases.len(), 2, "both figures stay visible: {releases:?}");
    assert_eq!(releases[1]["revises"], releases[0]["seq"]);
    assert_eq!(releases[0]["percent"].as_f64(), Some(10.0));
    // Released figures cannot be edited in place.
    if !node.on_postgres() {
        let conn = rusqlite::Connection::open(&node.db).expect("open");
        assert!(
            conn.execute("UPDATE indicator_releases SET numerator = 19", [])
                .is_err()
        );
    }
}

#[test]
fn a_corrected_seizure_counts_once_and_bad_indicator_arguments_are_named() {
    let node = Node::new();
    let w = node.pistol("GLK-77001");
    let seizure = node.event_ok(
        &w,
        "seized",
        "2024-04-01",
        &["--seizure-basis", "criminal_offence"],
    );
    assert_eq!(indicator_json(&node, &["--year", "2024"])["denominator"], 1);
    // The basis was recorded wrongly: the correction replaces the seizure, which no longer
    // counts; the administrative one that replaces it does not count either.
    node.event_ok(
        &w,
        "seized",
        "2024-04-01",
        &[
            "--seizure-basis",
            "administrative_violation",
            "--supersedes",
            &seizure,
            "--reason",
            "basis recorded wrongly",
        ],
    );
    let r = indicator_json(&node, &["--year", "2024"]);
    assert_eq!(r["denominator"], 0, "{r}");
    assert_eq!(r["percent"], Value::Null);
    let e = node.fails(&[
        "indicator",
        "sdg-16-4-2",
        "--year",
        "2024",
        "--profile",
        "spanish",
    ]);
    assert!(e.contains("--profile") && e.contains("un-2018"), "{e}");
    let e = node.fails(&[
        "indicator",
        "sdg-16-4-2",
        "--from",
        "2024-13-01",
        "--to",
        "2024-12-31",
    ]);
    assert!(e.contains("--from") && e.contains("2024-13-01"), "{e}");
    let e = node.fails(&[
        "indicator",
        "sdg-16-4-2",
        "--from",
        "2024-12-01",
        "--to",
        "2024-01-31",
    ]);
    assert!(e.contains("after"), "{e}");
    let e = node.fails(&["indicator", "sdg-16-4-2"]);
    assert!(e.contains("--year"), "{e}");
}

#[test]
fn node_info_shows_the_address_and_key_partners_register_with_peer_add() {
    let ke = Node::new();
    let ug = Node::new();
    ug.ok(&["node", "set-country", "UG"]);
    let before = ug.ok(&["node", "info"]);
    assert!(before.contains("address:     not set"), "{before}");
    let e = ug.fails(&["node", "set-address", "ug.example"]);
    assert!(e.contains("url:") && e.contains("https://"), "{e}");
    ug.ok(&["node", "set-address", "https://salw.ug.example/"]);
    let info = ug.json(&["node", "info", "--json"]);
    assert_eq!(info["country"], "UG");
    assert_eq!(info["address"], "https://salw.ug.example");
    let key = info["public_key"].as_str().expect("key").to_owned();
    assert_eq!(key.len(), 64);

    // Each bad field is named.
    for (args, field) in [
        (
            [
                "--country",
                "XX",
                "--url",
                "https://a.example",
                "--key",
                key.as_str(),
            ],
            "--country",
        ),
        (
            [
                "--country",
                "UG",
                "--url",
                "a.example",
                "--key",
                key.as_str(),
            ],
            "--url",
        ),
        (
            [
                "--country",
                "UG",
                "--url",
                "https://a.example",
                "--key",
                "abc",
            ],
            "--key",
        ),
    ] {
        let mut all = vec!["peer", "add"];
        all.extend_from_slice(&args);
        let e = ke.fails(&all);
        assert!(e.contains(field), "{args:?}: {e}");
    }
    let own = ke.json(&["node", "info", "--json"])["public_key"]
        .as_str()
        .expect("key")
        .to_owned();
    let e = ke.fails(&[
        "peer",
        "add",
        "--country",
        "UG",
        "--url",
        "https://a.example",
        "--key",
        &own,
    ]);
    assert!(e.contains("--key") && e.contains("own"), "{e}");
    assert!(ke.ok(&["peer", "list"]).contains("no partners yet"));

    let added = ke.run(&[
        "peer",
        "add",
        "--country",
        "ug",
        "--url",
        "https://salw.ug.example",
        "--key",
        &key,
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(
        stderr(&added).contains("plain HTTP only"),
        "an https:// partner is told it cannot be reached yet: {}",
        stderr(&added)
    );
    ke.ok(&[
        "peer",
        "add",
        "--country",
        "UG",
        "--url",
        "https://new.ug.example",
        "--key",
        &key,
    ]);
    let list = ke.json(&["peer", "list", "--json"]);
    let peers = list["peers"].as_array().expect("peers");
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0]["country"], "UG");
    assert_eq!(peers[0]["url"], "https://new.ug.example");
    assert_eq!(peers[0]["public_key"], key.as_str());
    assert_eq!(peers[0]["added_by"], "test-clerk");
    let history = ke.json(&["peer", "list", "--history", "--json"]);
    assert_eq!(history["peers"].as_array().expect("history").len(), 2);

    // A ping is queued, signed, for the partner; nothing is sent without `salw serve`.
    ke.ok(&["peer", "ping", "--country", "UG", "--note", "hello"]);
    let e = ke.fails(&["peer", "ping", "--country", "TZ"]);
    assert!(e.contains("--country") && e.contains("no partner"), "{e}");
    let messages = ke.json(&["peer", "messages", "--json"]);
    let outbox = messages["outbox"].as_array().expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0]["destination"], "UG");
    assert!(outbox[0]["delivered_at"].is_null());
    let envelope: Value =
        serde_json::from_str(outbox[0]["envelope"].as_str().expect("envelope")).expect("json");
    assert_eq!(envelope["body"]["note"], "hello");
    assert_eq!(envelope["from"]["country"], "KE");

    ke.ok(&["peer", "remove", "--country", "UG"]);
    assert!(ke.ok(&["peer", "list"]).contains("no partners yet"));
    let e = ke.fails(&["peer", "remove", "--country", "UG"]);
    assert!(e.contains("--country"), "{e}");
}

#[test]
fn two_served_nodes_deliver_a_ping_queued_by_the_cli() {
    let ke = Node::new();
    let ug = Node::new();
    ug.ok(&["node", "set-country", "UG"]);
    let ke_served = Served::start(&ke, &[]);
    let ug_served = Served::start(&ug, &[]);
    let key_of = |node: &Node| {
        node.json(&["node", "info", "--json"])["public_key"]
            .as_str()
            .expect("key")
            .to_owned()
    };
    ke.ok(&[
        "peer",
        "add",
        "--country",
        "UG",
        "--url",
        &ug_served.base,
        "--key",
        &key_of(&ug),
    ]);
    ug.ok(&[
        "peer",
        "add",
        "--country",
        "KE",
        "--url",
        &ke_served.base,
        "--key",
        &key_of(&ke),
    ]);
    let queued = ke.ok(&[
        "peer",
        "ping",
        "--country",
        "UG",
        "--note",
        "from the command line",
    ]);
    assert!(queued.contains("queued for UG"), "{queued}");
    // The sender of `salw serve` finds it within a second or two.
    let start = std::time::Instant::now();
    let inbox = loop {
        let messages = ug.json(&["peer", "messages", "--json"]);
        let inbox = messages["inbox"].as_array().cloned().unwrap_or_default();
        if !inbox.is_empty() {
            break inbox;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "the ping never arrived: {}",
            ke.ok(&["peer", "messages"])
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["sender"], "KE");
    assert!(
        inbox[0]["envelope"]
            .as_str()
            .is_some_and(|e| e.contains("from the command line"))
    );
    let start = std::time::Instant::now();
    while ke.json(&["peer", "messages", "--json"])["outbox"][0]["delivered_at"].is_null() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "never marked delivered"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // A refusal is answered with its reason and logged by the server.
    let refused = ureq::post(&format!("{}/federation/v1/inbox", ug_served.base))
        .set("content-type", "application/json")
        .send_string("{\"v\": 1}");
    match refused {
        Err(ureq::Error::Status(400, r)) => {
            let body: Value = r.into_json().expect("json");
            assert_eq!(body["error"]["code"], "malformed", "{body}");
        }
        other => panic!("expected 400: {other:?}"),
    }
    ke_served.stop();
    let (status, log) = ug_served.stop_with_log();
    assert!(status.success(), "{status:?}");
    assert!(log.contains("federation message received"), "{log}");
    assert!(
        log.contains("federation message refused") && log.contains("malformed"),
        "{log}"
    );
}

// --- Reports: the questionnaire's tables and the PoA/ITI national report (docs/reports.md) ----

/// A period's records for the reports: persons with and without a recorded sex, each route and
/// legal basis, a trace, a corrected seizure, a recovery outside the period, marking and
/// destruction. Returns the node.
fn report_registry() -> Node {
    let node = Node::new();
    let lines = [
        r#"{"record": "person", "reference": "P-F", "kind": "individual", "name": "Ana", "sex": "female", "roles": ["suspect"]}"#,
        r#"{"record": "person", "reference": "P-M", "kind": "individual", "name": "Ben", "sex": "male", "roles": ["surrendering_person"]}"#,
        r#"{"record": "person", "reference": "P-U", "kind": "individual", "name": "Cy", "roles": ["licensee"]}"#,
        r#"{"record": "person", "reference": "P-L", "kind": "individual", "name": "Di", "sex": "female", "roles": ["licensee"]}"#,
        r#"{"record": "weapon", "reference": "W-P1", "category": "self-loading pistol", "serial": "P1", "manufacturer": "Glock", "country": "AT", "model": "G17"}"#,
        r#"{"record": "weapon", "reference": "W-P2", "category": "self-loading pistol", "serial": "P2", "manufacturer": "Glock", "country": "AT", "model": "G17"}"#,
        r#"{"record": "weapon", "reference": "W-R1", "category": "rifle", "serial": "R1", "manufacturer": "Mauser", "country": "DE", "model": "98"}"#,
        r#"{"record": "weapon", "reference": "W-V1", "category": "revolver", "serial": "V1", "manufacturer": "Colt", "country": "US", "model": "Python"}"#,
        r#"{"record": "weapon", "reference": "W-S1", "category": "shotgun", "serial": "S1", "manufacturer": "Beretta", "country": "IT", "model": "A300"}"#,
        r#"{"record": "weapon", "reference": "W-OLD", "category": "rifle", "serial": "R9", "manufacturer": "Mauser", "country": "DE", "model": "98"}"#,
        r#"{"record": "event", "weapon": "W-P1", "kind": "seized", "occurred_on": "2024-03-01", "seizure_basis": "criminal_offence", "from_holder": "P-F"}"#,
        r#"{"record": "event", "weapon": "W-P1", "kind": "traced", "occurred_on": "2024-09-01", "trace_outcome": "established_by_tracing"}"#,
        r#"{"record": "event", "weapon": "W-P2", "kind": "seized", "occurred_on": "2025-02-01", "seizure_basis": "criminal_offence", "from_holder": "P-F"}"#,
        r#"{"record": "event", "weapon": "W-R1", "kind": "seized", "occurred_on": "2024-05-01", "seizure_basis": "administrative_violation"}"#,
        r#"{"record": "event", "weapon": "W-V1", "kind": "found", "occurred_on": "2025-06-01"}"#,
        r#"{"record": "event", "weapon": "W-S1", "kind": "surrendered", "occurred_on": "2025-07-01", "from_holder": "P-M"}"#,
        r#"{"record": "event", "weapon": "W-S1", "kind": "destroyed", "occurred_on": "2025-08-01", "method": "cutting", "reason": "surrendered in the campaign"}"#,
        r#"{"record": "event", "weapon": "W-OLD", "kind": "found", "occurred_on": "2023-06-01"}"#,
    ];
    let path = node.write("report.jsonl", &(lines.join("\n") + "\n"));
    node.ok(&["import", s(&path)]);
    node
}

fn table<'a>(q: &'a Value, id: &str) -> &'a Value {
    q["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no table {id}"))
}

/// A cell by row and column key; Value::Null when not recorded.
fn cell(t: &Value, row: &str, column: &str) -> Value {
    let c = t["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .position(|c| c["key"] == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    let r = t["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["key"] == row)
        .unwrap_or_else(|| panic!("no row {row}"));
    r["values"][c].clone()
}

fn questionnaire_json(node: &Node, period: &str) -> Value {
    let out = node.path(&format!("q-{period}.json"));
    node.ok(&[
        "report",
        "questionnaire",
        "--period",
        period,
        "--out",
        s(&out),
    ]);
    serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("JSON")
}

#[test]
fn questionnaire_tables_count_each_recovery_by_type_basis_outcome_and_person_sex() {
    let node = report_registry();
    let q = questionnaire_json(&node, "2024-2025");
    assert_eq!(q["questionnaire"], "unodc-iafq");
    assert_eq!(q["country"], "KE");
    assert_eq!(
        q["period"],
        serde_json::json!({"from": "2024-01-01", "to": "2025-12-31"})
    );
    let arms = table(&q, "arms_by_type");
    assert_eq!(cell(arms, "pistol", "seized_criminal"), 2);
    assert_eq!(cell(arms, "rifle", "seized_administrative"), 1);
    assert_eq!(
        cell(arms, "rifle", "found"),
        0,
        "the 2023 find is outside the period"
    );
    assert_eq!(cell(arms, "revolver", "found"), 1);
    assert_eq!(cell(arms, "shotgun", "surrendered"), 1);
    assert_eq!(cell(arms, "total", "seized"), 3);
    assert_eq!(cell(arms, "total", "total"), 5);
    let tracing = table(&q, "tracing_outcomes");
    assert_eq!(
        cell(tracing, "established_by_tracing", "seized_criminal"),
        1
    );
    assert_eq!(cell(tracing, "not_attempted", "total"), 4);
    let persons = table(&q, "persons_by_sex");
    assert_eq!(
        cell(persons, "seized_from", "female"),
        1,
        "one woman, two arms"
    );
    assert_eq!(cell(persons, "seized_from", "total"), 1);
    assert_eq!(cell(persons, "surrendering", "male"), 1);
    assert_eq!(cell(persons, "licensees", "female"), 1);
    assert_eq!(cell(persons, "licensees", "not_recorded"), 1);
    // No trace went out or came in: zero, from the trace records.
    assert_eq!(cell(table(&q, "international_traces"), "sent", "count"), 0);
    // Not recorded is not zero.
    assert_eq!(
        cell(table(&q, "parts_ammunition"), "parts", "total"),
        Value::Null
    );

    // The SDG figure and the tables agree: criminal seizures, finds and surrenders established.
    let sdg = indicator_json(&node, &["--from", "2024-01-01", "--to", "2025-12-31"]);
    assert_eq!(sdg["denominator"], 4);
    assert_eq!(sdg["numerator"], 1);

    // A corrected seizure counts once, as what the correction says.
    let shown = node.json(&["show", "W-P2", "--json"]);
    let seizure = shown["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .find(|e| e["event"]["kind"] == "seized")
        .and_then(|e| e["event"]["id"].as_str())
        .expect("the seizure")
        .to_owned();
    node.event_ok(
        "W-P2",
        "seized",
        "2025-02-01",
        &[
            "--seizure-basis",
            "administrative_violation",
            "--supersedes",
            &seizure,
            "--reason",
            "basis recorded wrongly",
        ],
    );
    let q = questionnaire_json(&node, "2024-2025");
    let arms = table(&q, "arms_by_type");
    assert_eq!(cell(arms, "pistol", "seized_criminal"), 1);
    assert_eq!(cell(arms, "pistol", "seized_administrative"), 1);
    assert_eq!(cell(arms, "total", "total"), 5);

    // One year only.
    let q = questionnaire_json(&node, "2024");
    assert_eq!(cell(table(&q, "arms_by_type"), "total", "total"), 2);
}

#[test]
fn questionnaire_xlsx_and_csv_hold_the_computed_figures() {
    use calamine::{Data, Reader, Xlsx};
    let node = report_registry();
    let q = questionnaire_json(&node, "2024-2025");
    let xlsx = node.path("q.xlsx");
    node.ok(&[
        "report",
        "questionnaire",
        "--period",
        "2024-2025",
        "--out",
        s(&xlsx),
    ]);
    let mut wb: Xlsx<_> = calamine::open_workbook(&xlsx).expect("an XLSX file calamine reads");
    let mut compared = 0;
    for t in q["tables"].as_array().expect("tables") {
        let id = t["id"].as_str().expect("id");
        let range = wb.worksheet_range(id).expect("a sheet per table");
        let columns = t["columns"].as_array().expect("columns");
        for (j, row) in t["rows"].as_array().expect("rows").iter().enumerate() {
            let r = 5 + j as u32;
            assert_eq!(
                range.get_value((r, 1)),
                Some(&Data::String(row["key"].as_str().expect("key").to_owned()))
            );
            for (i, v) in row["values"].as_array().expect("values").iter().enumerate() {
                let got = range.get_value((r, 2 + i as u32)).cloned();
                let want = match v.as_u64() {
                    Some(n) => Data::Float(n as f64),
                    None => Data::String("not recorded".into()),
                };
                assert_eq!(got, Some(want), "{id} {} {}", row["key"], columns[i]["key"]);
                compared += 1;
            }
        }
    }
    assert!(compared > 100, "{compared}");
    // CSV: one cell a line, the same figures.
    let csv = node.ok(&[
        "report",
        "questionnaire",
        "--period",
        "2024-2025",
        "--format",
        "csv",
        "--out",
        "-",
    ]);
    assert!(csv.starts_with("table,row,column,value\n"), "{csv}");
    assert!(
        csv.contains("\narms_by_type,pistol,seized_criminal,2\n"),
        "{csv}"
    );
    assert!(csv.contains("\ninternational_traces,sent,count,0\n"));
    assert!(csv.contains("\nparts_ammunition,parts,total,not recorded\n"));
    // What we write, we read back and check.
    let path = node.write("q.csv", &csv);
    let out = node.run(&["report", "questionnaire", "--import", s(&path)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("checks pass"));
    // An XLSX is not written to standard output.
    let e = node.fails(&[
        "report",
        "questionnaire",
        "--period",
        "2024",
        "--format",
        "xlsx",
        "--out",
        "-",
    ]);
    assert!(e.contains("standard output"), "{e}");
}

#[test]
fn imported_questionnaire_tables_are_refused_naming_table_row_and_column() {
    let node = Node::new();
    let bad = node.write(
        "bad.csv",
        "table,row,column,value\n\
         arms_by_type,pistol,seized_criminal,2\n\
         arms_by_type,pistol,seized_administrative,1\n\
         arms_by_type,pistol,seized,4\n",
    );
    let e = node.fails(&["report", "questionnaire", "--import", s(&bad)]);
    assert!(
        e.contains("table arms_by_type, row pistol, column seized: 4 is not seized_criminal + seized_administrative = 2 + 1 = 3"),
        "{e}"
    );
    let bad = node.write(
        "bad.json",
        r#"{"tables": [{"id": "persons_by_sex", "columns": ["female", "total"], "rows": [{"key": "licensees", "values": [-2, "many"]}]}]}"#,
    );
    let e = node.fails(&[
        "report",
        "questionnaire",
        "--import",
        s(&bad),
        "--out",
        "x.xlsx",
    ]);
    assert!(
        e.contains("table persons_by_sex, row licensees, column female: -2 is not a count"),
        "{e}"
    );
    assert!(
        e.contains("table persons_by_sex, row licensees, column total: 'many' is not a count"),
        "{e}"
    );
    assert!(e.contains("refused, 2 problem(s)"), "{e}");
    let garbage = node.write("garbage.json", "{\"tables\": [");
    let e = node.fails(&["report", "questionnaire", "--import", s(&garbage)]);
    assert!(e.contains("not JSON"), "{e}");
    // A good file converts.
    let good = node.write(
        "good.json",
        r#"{"tables": [{"id": "international_traces", "columns": ["count"], "rows": [{"key": "sent", "values": [4]}, {"key": "received", "values": [3]}, {"key": "answered", "values": [2]}]}]}"#,
    );
    let out = node.path("good.csv");
    node.ok(&[
        "report",
        "questionnaire",
        "--import",
        s(&good),
        "--out",
        s(&out),
    ]);
    let csv = std::fs::read_to_string(&out).expect("written");
    assert!(
        csv.contains("international_traces,answered,count,2"),
        "{csv}"
    );
}

#[test]
fn poa_report_fills_what_the_registry_knows_and_lists_the_rest() {
    use calamine::{Data, Reader, Xlsx};
    let node = report_registry();
    let json = node.path("poa.json");
    node.ok(&["report", "poa", "--period", "2024-2025", "--out", s(&json)]);
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("read")).expect("JSON");
    assert_eq!(r["template"], "poa-2024");
    assert_eq!(r["country"], "KE");
    let answer = |id: &str| -> Value {
        r["sections"]
            .as_array()
            .expect("sections")
            .iter()
            .flat_map(|s| s["questions"].as_array().expect("questions").iter())
            .find(|q| q["id"] == id)
            .unwrap_or_else(|| panic!("no question {id}"))
            .clone()
    };
    assert_eq!(answer("7.1")["answer"]["value"], 3, "seized");
    assert_eq!(answer("7.2")["answer"]["value"], 1, "found");
    assert_eq!(answer("7.3")["answer"]["value"], 1, "surrendered");
    assert_eq!(answer("7.5")["answer"]["value"], 1, "destroyed");
    assert_eq!(answer("4.3")["answer"]["value"], 6, "weapons recorded");
    assert_eq!(answer("5.1")["answer"]["value"], 1, "traces");
    assert_eq!(answer("5.2")["answer"]["value"], 1);
    // International requests come from the trace records: none here.
    assert_eq!(answer("5.3")["status"], "from_registry");
    assert_eq!(answer("5.3")["answer"]["value"], 0);
    // The SDG section is the indicator's figure.
    let sdg = indicator_json(&node, &["--from", "2024-01-01", "--to", "2025-12-31"]);
    assert_eq!(answer("9.1")["answer"]["value"], sdg["denominator"]);
    assert_eq!(answer("9.2")["answer"]["value"], sdg["numerator"]);
    assert_eq!(answer("9.3")["answer"]["value"], sdg["percent"]);
    assert_eq!(answer("10.1")["answer"]["table"]["id"], "persons_by_sex");
    assert!(
        r["to_complete"]
            .as_array()
            .expect("list")
            .iter()
            .any(|x| x == "1.1")
    );

    // Answers a person gives fill the rest, checked.
    let answers = node.write(
        "answers.json",
        r#"{"1.1": "yes: the National Focal Point", "11.1": "training on tracing"}"#,
    );
    let html = node.path("poa.html");
    node.ok(&[
        "report",
        "poa",
        "--period",
        "2024-2025",
        "--out",
        s(&html),
        "--answers",
        s(&answers),
    ]);
    let page = std::fs::read_to_string(&html).expect("read");
    assert!(page.contains("yes: the National Focal Point"));
    assert!(page.contains("@page"));
    assert!(page.contains("To complete ("));
    // One bad answer in a file: none of it is kept (1.3 stays to complete).
    let bad = node.write(
        "bad-answers.json",
        r#"{"7.1": "12", "1.2": "perhaps", "1.3": "yes"}"#,
    );
    let e = node.fails(&[
        "report",
        "poa",
        "--period",
        "2024-2025",
        "--out",
        s(&html),
        "--answers",
        s(&bad),
    ]);
    assert!(
        e.contains("question 7.1: answered from the registry"),
        "{e}"
    );
    assert!(
        e.contains("question 1.2: 'perhaps' must start with yes, no or developing"),
        "{e}"
    );

    // XLSX: the answers as numbers another library reads.
    let xlsx = node.path("poa.xlsx");
    node.ok(&["report", "poa", "--period", "2024-2025", "--out", s(&xlsx)]);
    let mut wb: Xlsx<_> = calamine::open_workbook(&xlsx).expect("an XLSX file calamine reads");
    let sheet = wb.worksheet_range("report").expect("the report sheet");
    let row_of = |id: &str| {
        (0..sheet.height() as u32)
            .find(|r| sheet.get_value((*r, 1)) == Some(&Data::String(id.to_owned())))
            .unwrap_or_else(|| panic!("no row for {id}"))
    };
    assert_eq!(sheet.get_value((row_of("7.1"), 3)), Some(&Data::Float(3.0)));
    assert_eq!(sheet.get_value((row_of("9.1"), 3)), Some(&Data::Float(4.0)));
    // The answers given earlier were kept for the period: no need to give them again.
    assert_eq!(
        sheet.get_value((row_of("1.1"), 4)),
        Some(&Data::String("entered".into()))
    );
    assert_eq!(
        sheet.get_value((row_of("1.3"), 4)),
        Some(&Data::String("to complete".into()))
    );
    assert!(wb.sheet_names().contains(&"arms_by_type".to_owned()));

    // The next period's draft carries them over, to confirm.
    let next = node.path("poa-next.json");
    let run = node.run(&["report", "poa", "--period", "2026-2027", "--out", s(&next)]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("to confirm: 1.1, 11.1"),
        "{}",
        stderr(&run)
    );
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(&next).expect("read")).expect("JSON");
    let q11 = r["sections"][0]["questions"][0].clone();
    assert_eq!(q11["id"], "1.1");
    assert_eq!(q11["status"], "carried");
    assert_eq!(q11["carried_from"], "2024-01-01..2025-12-31");
    assert_eq!(q11["answer"]["value"], "yes: the National Focal Point");

    let e = node.fails(&["report", "poa", "--period", "2025-2024", "--out", s(&html)]);
    assert!(e.contains("--period"), "{e}");
    let e = node.fails(&["report", "poa", "--period", "2024", "--out", "x.pdf"]);
    assert!(e.contains("'pdf' is not one of html, xlsx, json"), "{e}");
}

/// Waits (at most 30 s) until `salw trace list --json` on a node shows a trace that `wanted`
/// accepts; returns it.
fn wait_for_trace(node: &Node, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
    let start = std::time::Instant::now();
    loop {
        let list = node.json(&["trace", "list", "--json"]);
        if let Some(t) = list["traces"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| wanted(t)))
        {
            return t.clone();
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "{what} never happened: {list}\n{}",
            node.ok(&["peer", "messages"])
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

fn detail(step: &Value) -> Value {
    serde_json::from_str(step["detail"].as_str().expect("detail")).expect("detail json")
}

#[test]
fn a_trace_goes_from_the_seizing_state_to_the_maker_then_the_importer_and_closes_on_all_three() {
    let ke = Node::new();
    let rs = Node::new();
    rs.ok(&["node", "set-country", "RS"]);
    let ug = Node::new();
    ug.ok(&["node", "set-country", "UG"]);
    let fast = [
        ("SALW_FEDERATION_RETRY_FIRST_MS", "100"),
        ("SALW_FEDERATION_RETRY_MAX_SECONDS", "1"),
    ];
    let served = [
        Served::start(&ke, &fast),
        Served::start(&rs, &fast),
        Served::start(&ug, &fast),
    ];
    let nodes = [(&ke, "KE"), (&rs, "RS"), (&ug, "UG")];
    for (i, (node, _)) in nodes.iter().enumerate() {
        for (j, (other, country)) in nodes.iter().enumerate() {
            if i != j {
                let key = other.json(&["node", "info", "--json"])["public_key"]
                    .as_str()
                    .expect("key")
                    .to_owned();
                node.ok(&[
                    "peer",
                    "add",
                    "--country",
                    country,
                    "--url",
                    &served[j].base,
                    "--key",
                    &key,
                ]);
            }
        }
    }
    let pistol = |node: &Node, reference: &str, extra: &[&str]| {
        let mut args = vec![
            "weapon",
            "add",
            "--category",
            "self-loading pistol",
            "--manufacturer",
            "Zastava",
            "--model",
            "M70",
            "--serial",
            "ZA123456",
            "--calibre",
            "7.65 mm",
            "--country",
            "RS",
            "--reference",
            reference,
        ];
        args.extend_from_slice(extra);
        node.ok(&args);
    };
    // RS made it and exported it to UG; UG imported it, sold it, and it was stolen there.
    pistol(&rs, "RS-1", &[]);
    rs.ok(&["event", "add", "RS-1", "manufactured", "--on", "2012-01-10"]);
    rs.ok(&[
        "event",
        "add",
        "RS-1",
        "exported",
        "--on",
        "2013-05-02",
        "--country",
        "UG",
    ]);
    pistol(&ug, "UG-1", &["--mark", "import:UG 13"]);
    for (name, reference) in [("Kampala Arms Ltd", "DEALER"), ("John Okello", "LICENSEE")] {
        ug.ok(&["person", "add", "--name", name, "--reference", reference]);
    }
    ug.ok(&[
        "event",
        "add",
        "UG-1",
        "imported",
        "--on",
        "2013-06-01",
        "--country",
        "RS",
        "--to-holder",
        "DEALER",
    ]);
    ug.ok(&[
        "event",
        "add",
        "UG-1",
        "transferred",
        "--on",
        "2015-03-03",
        "--from-holder",
        "DEALER",
        "--to-holder",
        "LICENSEE",
    ]);
    ug.ok(&[
        "event",
        "add",
        "UG-1",
        "reported_stolen",
        "--on",
        "2019-08-10",
        "--from-holder",
        "LICENSEE",
        "--place",
        "Gulu",
    ]);
    // KE seizes it.
    pistol(&ke, "KE-1", &["--mark", "import:UG 13"]);
    ke.ok(&[
        "event",
        "add",
        "KE-1",
        "seized",
        "--on",
        "2024-05-06",
        "--place",
        "Busia",
        "--seizure-basis",
        "criminal_offence",
        "--legal-basis",
        "Firearms Act s.89",
        "--criminal-context",
        "smuggling",
    ]);

    // The domestic trace: no holder in KE, ask the State of manufacture.
    let domestic = ke.json(&["trace", "domestic", "KE-1", "--json"]);
    assert_eq!(domestic["found"], "ask_states", "{domestic}");
    assert_eq!(domestic["states"][0]["country"], "RS", "{domestic}");
    // UG's own records find the point of diversion.
    let at_ug = ug.json(&["trace", "domestic", "UG-1", "--json"]);
    assert_eq!(at_ug["found"], "point_of_diversion", "{at_ug}");
    assert_eq!(at_ug["on"], "2019-08-10");

    // An incomplete request is refused with each missing item named; nothing is saved.
    let e = ke.fails(&["trace", "create", "KE-1", "--to", "RS"]);
    assert!(
        e.contains("--photos: missing") && e.contains("--intended-use: missing"),
        "{e}"
    );
    assert_eq!(
        ke.json(&["trace", "list", "--json"])["traces"],
        serde_json::json!([])
    );
    let e = ke.fails(&[
        "trace",
        "create",
        "KE-1",
        "--to",
        "TZ",
        "--photos",
        "x",
        "--intended-use",
        "y",
    ]);
    assert!(e.contains("--to: no partner is registered for TZ"), "{e}");
    let complete = ["--photos", "by courier", "--intended-use", "prosecution"];
    let create = |to: &str, extra: &[&str]| -> String {
        let mut args = vec!["trace", "create", "KE-1", "--to", to, "--json"];
        args.extend_from_slice(&complete);
        args.extend_from_slice(extra);
        ke.json(&args)["id"].as_str().expect("id").to_owned()
    };

    // 1. KE asks RS.
    let t1 = create("RS", &[]);
    ke.ok(&["trace", "send", &t1]);
    assert!(
        ke.fails(&["trace", "send", &t1])
            .contains("it can be sent only when draft")
    );
    let r1 = wait_for_trace(&rs, "the request's arrival at RS", |t| {
        t["role"] == "received"
    });
    let r1id = r1["id"].as_str().expect("id").to_owned();
    let found = detail(&r1["steps"][0]);
    let candidate = found["candidates"][0]["weapon_id"]
        .as_str()
        .expect("a candidate")
        .to_owned();
    assert_eq!(found["candidates"][0]["serial"], "ZA123456");
    assert!(rs.ok(&["trace", "show", &r1id]).contains("candidate"));
    // Only the requested side acknowledges; a refusal needs its ground.
    assert!(ke.fails(&["trace", "acknowledge", &t1]).contains("--id"));
    rs.ok(&["trace", "acknowledge", &r1id]);
    // RS asks for more information; KE gives it.
    rs.ok(&[
        "trace",
        "ask",
        &r1id,
        "--questions",
        "photographs of the proof marks",
    ]);
    wait_for_trace(&ke, "RS's question at KE", |t| {
        t["id"] == t1.as_str() && t["state"] == "more-information-requested"
    });
    let e = ke.fails(&["trace", "inform", &t1, "--information", " "]);
    assert!(e.contains("--information"), "{e}");
    ke.ok(&[
        "trace",
        "inform",
        &t1,
        "--information",
        "photographs sent by courier on 2024-05-10",
    ]);
    wait_for_trace(&rs, "KE's information at RS", |t| {
        t["id"] == r1id.as_str() && t["state"] == "information-provided"
    });
    let e = rs.fails(&["trace", "answer", &r1id, "--outcome", "refused"]);
    assert!(e.contains("--ground"), "{e}");
    let e = rs.fails(&["trace", "answer", &r1id, "--outcome", "maybe"]);
    assert!(e.contains("--outcome: 'maybe' is not one of"), "{e}");
    rs.ok(&[
        "trace",
        "answer",
        &r1id,
        "--outcome",
        "complete",
        "--weapon",
        &candidate,
        "--next-state",
        "UG",
        "--findings",
        "exported to UG on 2013-05-02",
    ]);
    let a1 = wait_for_trace(&ke, "RS's answer at KE", |t| {
        t["id"] == t1.as_str() && t["state"] == "answered"
    });
    let states: Vec<&str> = a1["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["state"].as_str())
        .collect();
    assert_eq!(
        states,
        [
            "draft",
            "sent",
            "acknowledged",
            "more-information-requested",
            "information-provided",
            "answered"
        ]
    );
    let answer = detail(&a1["steps"][5]);
    assert_eq!(answer["next_state"], "UG");
    assert_eq!(
        answer["history"]["events"].as_array().map(Vec::len),
        Some(2)
    );

    // 2. KE asks UG, urgently.
    let t2 = create("UG", &["--urgent", "suspect in custody"]);
    ke.ok(&["trace", "send", &t2]);
    let r2 = wait_for_trace(&ug, "the request's arrival at UG", |t| {
        t["role"] == "received"
    });
    assert_eq!(r2["priority"], "urgent");
    assert_eq!(r2["urgency_reason"], "suspect in custody");
    let r2id = r2["id"].as_str().expect("id").to_owned();
    let candidate = detail(&r2["steps"][0])["candidates"][0]["weapon_id"]
        .as_str()
        .expect("candidate")
        .to_owned();
    ug.ok(&["trace", "acknowledge", &r2id]);
    ug.ok(&[
        "trace",
        "answer",
        &r2id,
        "--outcome",
        "restricted",
        "--weapon",
        &candidate,
        "--restriction",
        "not to be published",
        "--confidentiality",
        "law enforcement only",
        "--findings",
        "stolen from licensee John Okello at Gulu on 2019-08-10",
    ]);
    let a2 = wait_for_trace(&ke, "UG's answer at KE", |t| {
        t["id"] == t2.as_str() && t["state"] == "answered"
    });
    let answer = detail(
        a2["steps"]
            .as_array()
            .and_then(|s| s.last())
            .expect("a step"),
    );
    assert_eq!(answer["restrictions"][0], "not to be published");
    assert!(
        ke.ok(&["trace", "show", &t2])
            .contains("restrictions: not to be published")
    );

    // Closing: a point of diversion must be said; then both traces close and the weapon is
    // traced once.
    let e = ke.fails(&[
        "trace",
        "close",
        &t2,
        "--result",
        "point-of-diversion-found",
    ]);
    assert!(e.contains("--diversion"), "{e}");
    let pod = "theft from licensee John Okello, Gulu (UG), 2019-08-10";
    for t in [&t2, &t1] {
        ke.ok(&[
            "trace",
            "close",
            t,
            "--result",
            "point-of-diversion-found",
            "--diversion",
            pod,
        ]);
    }
    for (node, country) in [(&rs, "RS"), (&ug, "UG")] {
        let closed = wait_for_trace(node, &format!("the closure at {country}"), |t| {
            t["state"] == "closed"
        });
        let last = detail(
            closed["steps"]
                .as_array()
                .and_then(|s| s.last())
                .expect("a step"),
        );
        assert_eq!(last["result"], "point-of-diversion-found");
        assert_eq!(last["point_of_diversion"], pod);
    }
    let at_ke = ke.json(&["trace", "list", "--json"]);
    assert!(
        at_ke["traces"]
            .as_array()
            .expect("traces")
            .iter()
            .all(|t| t["state"] == "closed"),
        "{at_ke}"
    );
    let shown = ke.json(&["show", "KE-1", "--json"]);
    let traced: Vec<&Value> = shown["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| e["event"]["kind"] == "traced" || e["kind"] == "traced")
        .collect();
    assert_eq!(traced.len(), 1, "{shown}");
    assert!(traced[0].to_string().contains("established_by_tracing"));
    // SDG 16.4.2 reads it: the one seizure of 2024, its origin established by tracing.
    let sdg = ke.json(&["indicator", "sdg-16-4-2", "--year", "2024", "--json"]);
    assert_eq!(sdg["breakdowns"]["by_tracing"]["numerator"], 1, "{sdg}");
    assert!(
        ke.fails(&[
            "trace",
            "close",
            &t1,
            "--result",
            "chain-broken",
            "--reason",
            "x"
        ])
        .contains("is closed")
    );
    // Per partner: each answered its one request.
    let stats = ke.json(&["trace", "stats", "--json"]);
    let partners = stats["partners"].as_array().expect("partners");
    assert_eq!(partners.len(), 2, "{stats}");
    for p in partners {
        assert_eq!(p["role"], "sent");
        assert_eq!(
            (p["requests"].as_u64(), p["answered"].as_u64()),
            (Some(1), Some(1)),
            "{p}"
        );
        assert_eq!(p["response_rate_percent"], 100);
        assert!(
            p["median_hours_to_answer"]
                .as_f64()
                .is_some_and(|h| h >= 0.0),
            "{p}"
        );
    }
    assert_eq!(
        rs.json(&["trace", "stats", "--json"])["partners"][0]["role"],
        "received"
    );
    assert!(
        ke.ok(&["trace", "list", "--overdue"])
            .contains("no trace is overdue")
    );

    // Uganda shares its lost and stolen weapons with Kenya: the pistol Kenya seized is a hit
    // on both sides.
    let e = ug.fails(&["alert", "share", "--with", "TZ"]);
    assert!(e.contains("--with: no partner is registered for TZ"), "{e}");
    let out = ug.ok(&["alert", "share", "--with", "KE"]);
    assert!(out.contains("shared with KE; 1 alert(s) queued"), "{out}");
    let start = std::time::Instant::now();
    loop {
        let at_ke = ke.json(&["alert", "list", "--json"]);
        let at_ug = ug.json(&["alert", "list", "--json"]);
        let has = |v: &Value, direction: &str| {
            v["hits"]
                .as_array()
                .is_some_and(|h| h.iter().any(|h| h["direction"] == direction))
        };
        if has(&at_ke, "recovered-here") && has(&at_ug, "reported-here") {
            assert_eq!(at_ke["received"][0]["partner"], "UG");
            assert_eq!(at_ke["hits"][0]["recovery"], "seized");
            assert_eq!(at_ug["sharing_with"], serde_json::json!(["KE"]));
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "no hit: {at_ke}\n{at_ug}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    for s in served {
        assert!(s.stop().success());
    }
}

// --- The ATT annual report's SALW part (docs/reports.md) ------------------------------------

#[test]
fn att_report_counts_the_years_exports_and_imports_by_sub_category_and_partner() {
    use serde_json::json;
    let node = Node::new();
    node.ok(&["category-add", "Flamethrower", "--class", "light_weapon"]);
    let weapon = |category: &str, serial: &str, calibre: Option<&str>| {
        let mut args = vec![
            "--category",
            category,
            "--manufacturer",
            "Mauser",
            "--country",
            "DE",
            "--model",
            "M",
            "--serial",
            serial,
        ];
        if let Some(c) = calibre {
            args.extend(["--calibre", c]);
        }
        node.add_weapon(&args)
    };
    let export = |w: &str, on: &str, to: &str| node.event_ok(w, "exported", on, &["--country", to]);
    // Counted: two rifles and a carbine to Uganda (one export first recorded as to Tanzania,
    // then corrected), a pistol to Tanzania, an assault rifle and a 60 mm mortar imported.
    export(&weapon("rifle", "R1", None), "2025-02-01", "UG");
    export(&weapon("carbine", "C1", None), "2025-12-31", "UG");
    let r2 = weapon("rifle", "R2", None);
    let wrong = export(&r2, "2025-03-01", "TZ");
    node.event_ok(
        &r2,
        "exported",
        "2025-03-01",
        &[
            "--country",
            "UG",
            "--supersedes",
            &wrong,
            "--reason",
            "destination misread",
        ],
    );
    export(
        &weapon("self-loading pistol", "P1", None),
        "2025-05-01",
        "TZ",
    );
    node.event_ok(
        &weapon("assault rifle", "A1", None),
        "imported",
        "2025-01-01",
        &["--country", "BE"],
    );
    node.event_ok(
        &weapon("mortar", "M60", Some("60mm")),
        "imported",
        "2025-06-01",
        &["--country", "BE"],
    );
    // Not counted: outside the year, and an export withdrawn by a correction.
    export(&weapon("rifle", "R-OLD", None), "2024-12-31", "UG");
    let p2 = weapon("self-loading pistol", "P2", None);
    let withdrawn = export(&p2, "2025-04-01", "TZ");
    node.event_ok(
        &p2,
        "corrected",
        "2025-04-02",
        &["--supersedes", &withdrawn, "--reason", "never left"],
    );
    // Listed apart: a category the node added, MANPADS, a mortar of 81 mm.
    node.event_ok(
        &weapon("flamethrower", "F1", None),
        "imported",
        "2025-07-01",
        &["--country", "FR"],
    );
    export(
        &weapon("portable anti-aircraft missile launcher", "S1", None),
        "2025-08-01",
        "UG",
    );
    export(&weapon("mortar", "M81", Some("81mm")), "2025-08-01", "UG");

    let r = node.json(&["report", "att", "--year", "2025"]);
    assert_eq!(
        (r["year"].clone(), r["country"].clone()),
        (json!(2025), json!("KE"))
    );
    let rows = |key: &str| -> Vec<(String, String, u64)> {
        r[key]
            .as_array()
            .expect("rows")
            .iter()
            .map(|row| {
                (
                    row["sub_category"].as_str().unwrap_or_default().to_owned(),
                    row["partner"].as_str().unwrap_or_default().to_owned(),
                    row["items"].as_u64().unwrap_or_default(),
                )
            })
            .collect()
    };
    let own = |v: &[(&str, &str, u64)]| -> Vec<(String, String, u64)> {
        v.iter()
            .map(|(a, b, n)| ((*a).to_owned(), (*b).to_owned(), *n))
            .collect()
    };
    assert_eq!(
        rows("exports"),
        own(&[
            ("revolvers_and_self_loading_pistols", "TZ", 1),
            ("rifles_and_carbines", "UG", 3),
        ]),
        "{r}"
    );
    assert_eq!(
        rows("imports"),
        own(&[
            ("assault_rifles", "BE", 1),
            ("mortars_below_75_mm", "BE", 1)
        ]),
        "{r}"
    );
    assert_eq!(
        (r["exported_items"].clone(), r["imported_items"].clone()),
        (json!(4), json!(2))
    );
    let apart: Vec<_> = r["listed_apart"]
        .as_array()
        .expect("listed_apart")
        .iter()
        .map(|a| {
            (
                a["direction"].clone(),
                a["category"].clone(),
                a["partner"].clone(),
            )
        })
        .collect();
    assert_eq!(apart.len(), 3, "{r}");
    assert!(apart.contains(&(json!("import"), json!("flamethrower"), json!("FR"))));
    assert!(apart.contains(&(
        json!("export"),
        json!("portable anti-aircraft missile launcher"),
        json!("UG")
    )));
    assert!(apart.contains(&(json!("export"), json!("mortar"), json!("UG"))));

    // The other formats hold the same figures.
    let csv_path = node.path("att.csv");
    node.ok(&["report", "att", "--year", "2025", "--out", s(&csv_path)]);
    let csv = std::fs::read_to_string(&csv_path).expect("csv");
    assert!(csv.contains("export,rifles_and_carbines,UG,3,,,"), "{csv}");
    assert!(csv.contains("import,none,FR,1,flamethrower,"), "{csv}");
    let html_path = node.path("att.html");
    node.ok(&[
        "report",
        "att",
        "--year",
        "2025",
        "--format",
        "html",
        "--out",
        s(&html_path),
    ]);
    let html = std::fs::read_to_string(&html_path).expect("html");
    assert!(
        html.contains("Rifles and carbines</td><td>UG</td><td class=\"n\">3</td>"),
        "{html}"
    );
    let xlsx_path = node.path("att.xlsx");
    node.ok(&["report", "att", "--year", "2025", "--out", s(&xlsx_path)]);
    assert!(std::fs::read(&xlsx_path).expect("xlsx").starts_with(b"PK"));
    // Another year has none of it.
    let r = node.json(&["report", "att", "--year", "2024"]);
    assert_eq!(
        r["exports"],
        json!([{"sub_category": "rifles_and_carbines", "class": "small_arm", "label": "Rifles and carbines", "partner": "UG", "items": 1}])
    );
    assert_eq!(r["imports"], json!([]));

    // Bad arguments are named, exit 1 as the other reports; a missing one is a usage error (2).
    let e = node.fails(&["report", "att", "--year", "20x5"]);
    assert!(e.contains("--year") && e.contains("20x5"), "{e}");
    let e = node.fails(&["report", "att", "--year", "2025", "--format", "pdf"]);
    assert!(e.contains("--format") && e.contains("pdf"), "{e}");
    let e = node.fails(&["report", "att", "--year", "2025", "--format", "xlsx"]);
    assert!(e.contains("--out"), "{e}");
    assert_eq!(node.run(&["report", "att"]).status.code(), Some(2));
}

#[test]
fn an_assessment_is_recorded_all_or_none_shown_with_live_figures_and_written_as_files() {
    use calamine::{Data, Reader, Xlsx};
    let node = small_registry();
    // A file with one unknown clause: nothing kept, the clause named.
    let bad = node.write(
        "bad.json",
        r#"[{"clause": "05.31.01", "status": "met"}, {"clause": "05.31.42", "status": "met"}]"#,
    );
    let e = node.fails(&["assess", "record", "2026", s(&bad)]);
    assert!(
        e.contains("clause 05.31.42: not in checklist mosaic-selfcheck-2026"),
        "{e}"
    );
    assert!(node.ok(&["assess", "list"]).contains("no assessment yet"));
    let good = node.write(
        "good.json",
        r#"[{"clause": "05.31.01", "status": "met", "document": "Gazette notice 12/2024"},
            {"clause": "05.31.04", "status": "not_met", "owner": "NCB", "due": "2027-03-31"},
            {"clause": "05.31.06", "status": "partly met"}]"#,
    );
    assert!(
        node.ok(&["assess", "record", "2026", s(&good)])
            .contains("3 entries kept")
    );
    // A later entry for a clause replaces it in the scores; the earlier one stays kept.
    node.ok(&[
        "assess",
        "set",
        "2026",
        "05.31.04",
        "partly_met",
        "--owner",
        "NCB",
    ]);
    if !node.on_postgres() {
        let conn = rusqlite::Connection::open(&node.db).expect("open");
        let kept: i64 = conn
            .query_row("SELECT count(*) FROM assessment_entries", [], |r| r.get(0))
            .expect("count");
        assert_eq!(kept, 4);
        let e = conn
            .execute("DELETE FROM assessment_entries", [])
            .expect_err("never deleted");
        assert!(e.to_string().contains("never deleted"), "{e}");
    }

    let json: Value =
        serde_json::from_str(&node.ok(&["assess", "show", "2026", "--format", "json"]))
            .expect("JSON");
    let tracing = &json["scores"][2];
    assert_eq!(tracing["module"], "05.31");
    // Requirements 05.31.01 met, 05.31.04 partly → 75 %; recommendation 05.31.06 partly → 50 %.
    assert_eq!(tracing["requirements"]["score"], 75.0);
    assert_eq!(tracing["recommendations"]["score"], 50.0);
    let gaps: Vec<&str> = json["gaps"]
        .as_array()
        .expect("gaps")
        .iter()
        .filter_map(|g| g["clause"].as_str())
        .collect();
    assert_eq!(gaps, ["05.31.04", "05.31.06"]);
    // The registry's own figure: the five pistols are uniquely marked, one weapon more without
    // a mark changes it.
    let share = |json: &Value| {
        json["clauses"]
            .as_array()
            .expect("clauses")
            .iter()
            .find(|c| c["clause"] == "05.30.01")
            .and_then(|c| c["figure"]["value"].as_str())
            .map(str::to_owned)
            .expect("figure")
    };
    assert_eq!(share(&json), "100.0 % (5 of 5)");
    node.ok(&["assess", "set", "2026", "05.30.01", "met"]);
    node.ok(&[
        "weapon",
        "add",
        "--category",
        "rifle",
        "--inadequately-marked",
        "--follow-up",
        "mark_and_record",
    ]);
    let json: Value =
        serde_json::from_str(&node.ok(&["assess", "show", "2026", "--format", "json"]))
            .expect("JSON");
    assert_eq!(share(&json), "83.3 % (5 of 6)");
    // The entry keeps the figure it saw.
    let then = json["clauses"]
        .as_array()
        .expect("clauses")
        .iter()
        .find(|c| c["clause"] == "05.30.01")
        .map(|c| c["figure_then"].clone())
        .expect("clause");
    assert_eq!(then, "100.0 % (5 of 5)");

    // Files: XLSX read back by calamine, printable HTML.
    let xlsx = node.path("a.xlsx");
    node.ok(&["assess", "show", "2026", "--out", s(&xlsx)]);
    let mut wb: Xlsx<_> = calamine::open_workbook(&xlsx).expect("an XLSX file calamine reads");
    let sheet = wb.worksheet_range("gaps").expect("gaps sheet");
    let row: Vec<Data> = sheet.rows().nth(3).expect("first gap").to_vec();
    assert_eq!(row[1], Data::String("05.31.04".into()));
    assert_eq!(row[6], Data::String("NCB".into()));
    // `assess set` with a new status and owner kept the due date it did not name.
    assert_eq!(row[7], Data::String("2027-03-31".into()));
    let html = node.path("a.html");
    node.ok(&["assess", "show", "2026", "--out", s(&html)]);
    let page = std::fs::read_to_string(&html).expect("read");
    assert!(page.contains("@page") && page.contains("Gazette notice 12/2024"));
    assert!(
        node.fails(&["assess", "show", "2031"])
            .contains("no assessment named '2031'")
    );
}

#[test]
fn a_stock_count_discrepancy_intake_and_destruction_from_the_command_line() {
    let node = Node::new();
    let today = chrono::Utc::now().date_naive().to_string();
    node.ok(&[
        "person",
        "add",
        "--name",
        "Central Armoury",
        "--organisation",
        "--role",
        "state_unit",
        "--reference",
        "UNIT-1",
    ]);
    let weapons: Vec<String> = ["SC-001", "SC-002", "SC-003"]
        .iter()
        .map(|s| {
            let w = node.pistol(s);
            node.event_ok(&w, "transferred", "2024-01-10", &["--to-holder", "UNIT-1"]);
            w
        })
        .collect();
    let list = node.json(&["armoury", "list", "--json"]);
    assert_eq!(list[0]["in_store"], 3, "{list}");
    assert_eq!(list[0]["count_overdue"], true, "never counted");

    // Bad input: each refusal names its field, nothing kept.
    let e = node.fails(&[
        "count",
        "plan",
        "--id",
        "C-1",
        "--armoury",
        "UNIT-1",
        "--kind",
        "monthly",
        "--on",
        &today,
        "--counter",
        "Lt Phiri",
    ]);
    assert!(e.contains("kind: 'monthly' is not one of"), "{e}");
    let e = node.fails(&[
        "count",
        "plan",
        "--id",
        "C-1",
        "--armoury",
        "UNIT-9",
        "--kind",
        "full",
        "--on",
        &today,
        "--counter",
        "Lt Phiri",
    ]);
    assert!(e.contains("armoury: no registered organisation"), "{e}");
    node.ok(&[
        "count",
        "plan",
        "--id",
        "C-1",
        "--armoury",
        "UNIT-1",
        "--kind",
        "full",
        "--on",
        &today,
        "--counter",
        "Lt Phiri",
        "--custodian",
        "Sgt Banda",
    ]);
    let found = node.write("found.txt", "sc 001\nSC-003\nZZ-9\n");
    let before = node.journal_len();
    let dry = node.ok(&[
        "count",
        "enter",
        "C-1",
        "--on",
        &today,
        "--file",
        s(&found),
        "--dry-run",
    ]);
    assert!(
        dry.contains("2 of 3 found, 1 missing, 1 not expected"),
        "{dry}"
    );
    assert_eq!(node.journal_len(), before, "a dry run keeps nothing");
    let entered = node.ok(&["count", "enter", "C-1", "--on", &today, "--file", s(&found)]);
    assert!(entered.contains("discrepancy C-1-1 opened"), "{entered}");
    assert_eq!(
        node.journal_len(),
        before + 2,
        "an inventoried event per weapon found"
    );
    let e = node.fails(&["count", "enter", "C-1", "--on", &today, "--file", s(&found)]);
    assert!(e.contains("entered already"), "{e}");

    let e = node.fails(&[
        "discrepancy",
        "confirm",
        "C-1-1",
        "--as",
        "theft",
        "--note",
        "gone",
    ]);
    assert!(
        e.contains("investigate the discrepancy before closing it"),
        "{e}"
    );
    node.ok(&[
        "discrepancy",
        "investigate",
        "C-1-1",
        "--note",
        "searched the depot",
    ]);
    let e = node.fails(&[
        "discrepancy",
        "resolve",
        "C-1-1",
        "--as",
        "theft",
        "--note",
        "x",
    ]);
    assert!(e.contains("resolution: 'theft' does not resolve"), "{e}");
    let done = node.ok(&[
        "discrepancy",
        "confirm",
        "C-1-1",
        "--as",
        "theft",
        "--note",
        "rack forced",
    ]);
    assert!(done.contains("confirmed theft"), "{done}");
    let shown = node.json(&["show", &weapons[1], "--json"]);
    assert_eq!(shown["status"], "stolen", "{shown}");

    // A collection campaign: a CSV with a bad line writes nothing and names the line.
    node.ok(&[
        "campaign",
        "add",
        "--id",
        "K-1",
        "--name",
        "Amnesty",
        "--place",
        "Kisumu",
        "--start",
        "2020-01-01",
        "--end",
        &today,
        "--programme",
        "civilian",
        "--amnesty",
    ]);
    let bad = node.write(
        "handed-in.csv",
        "category,manufacturer,model,serial,country,person_sex\n\
         revolver,Taurus,RT85,HI-1,BR,female\n\
         ray gun,,,,,\n",
    );
    let before = node.journal_len();
    let e = node.fails(&["campaign", "intake", "K-1", s(&bad), "--on", &today]);
    assert!(e.contains("line 3: category"), "{e}");
    assert_eq!(node.journal_len(), before);
    let good = node.write(
        "handed-in-2.csv",
        "category,manufacturer,model,serial,country,person_sex\n\
         revolver,Taurus,RT85,HI-1,BR,female\n\
         rifle,,,,,\n",
    );
    let out = node.ok(&[
        "campaign",
        "intake",
        "K-1",
        s(&good),
        "--on",
        &today,
        "--json",
    ]);
    let intake: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(intake[1]["unmarked"], true, "{intake}");
    let handed = intake[0]["weapon_id"].as_str().expect("id").to_owned();

    // Destruction: refused for a weapon held as evidence, then done once released.
    node.ok(&["hold", "place", &handed, "--case", "HC 1/2026"]);
    let destroy = |w: &str| {
        node.run(&[
            "destruction",
            "add",
            "--id",
            "D-1",
            "--method",
            "cutting",
            "--place",
            "Yard",
            "--date",
            &today,
            "--authority",
            "Commission",
            "--witnesses",
            "A, B",
            "--certificate",
            "DC-1",
            w,
        ])
    };
    let refused = destroy(&handed);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("weapons[0]") && stderr(&refused).contains("evidence"));
    node.ok(&["hold", "release", &handed, "--case", "HC 1/2026"]);
    let out = destroy(&handed);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(node.ok(&["destruction", "list"]).contains("DC-1"));
    let shown = node.json(&["show", &handed, "--json"]);
    assert_eq!(shown["status"], "destroyed", "{shown}");
    node.ok(&["verify"]);
}

/// Eight `salw import` processes at once into one registry, each a file of its own: every
/// weapon kept, one journal that verifies, each file's entries together (a write is never
/// interleaved with another).
#[test]
fn eight_processes_writing_at_once_keep_one_verifiable_journal() {
    let node = Node::new();
    let before = node.journal_len();
    let files: Vec<PathBuf> = (0..8)
        .map(|w| {
            let mut csv = String::from("category,manufacturer,country,serial\n");
            for n in 0..40 {
                csv.push_str(&format!("rifle,Writer {w} Arms,BE,P{w}-{n:03}\n"));
            }
            node.write(&format!("writer-{w}.csv"), &csv)
        })
        .collect();
    let children: Vec<_> = files
        .iter()
        .enumerate()
        .map(|(w, file)| {
            Command::new(salw_bin())
                .args(node.location_args())
                .args(["import", s(file)])
                .env("SALW_USER", format!("writer-{w}"))
                .env_remove("SALW_DATABASE")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("salw import starts")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("salw import ends");
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let verify = node.json(&["verify", "--json"]);
    assert_eq!(verify["first_broken"], Value::Null, "{verify}");
    assert_eq!(verify["head_seq"].as_i64(), Some(before + 8 * 40));
    assert_eq!(verify["signed_head_seq"], verify["head_seq"]);
    // Each import's 40 entries are one run of the journal.
    let mut backend = salw_store_any::Location::from_path(&node.db)
        .expect("location")
        .open(false)
        .expect("open");
    let mut writers = Vec::new();
    salw_store::Backend::scan_journal(&mut backend, &mut |e| {
        if e.seq > before {
            writers.push(e.recorded_by);
        }
        Ok(())
    })
    .expect("scan");
    let runs = writers.windows(2).filter(|p| p[0] != p[1]).count();
    assert_eq!(
        runs, 7,
        "the eight imports' entries interleave: {writers:?}"
    );
}

/// `salw migrate` from a SQLite file into PostgreSQL and back into a new file: each copy
/// verifies with the source's head, holds the same records (the same export, byte for byte),
/// the same summary, accounts and stock records, answers the same search, and takes writes
/// with the key that came with it; a copy over a registry is refused and changes nothing.
#[test]
fn a_registry_migrated_to_postgresql_and_back_is_the_same_registry() {
    let Some(url) = salw_store_any::fresh_test_database("migrate") else {
        return;
    };
    let node = Node::new();
    node.ok(&["demo", "--records", "400", "--seed", "9"]);
    node.ok(&["user", "add", "amina", "--role", "investigator"]);
    let serial = node
        .json(&["weapon", "list", "--json"])
        .as_array()
        .and_then(|list| {
            list.iter()
                .filter_map(|w| w["weapon"]["serial"].as_str().or(w["serial"].as_str()))
                .find(|s| s.len() >= 5)
                .map(str::to_owned)
        })
        .expect("a weapon with a serial");
    // The serial as a worn marking: its last character gone.
    let worn = format!("{}?", &serial[..serial.len() - 1]);
    let head = node.json(&["verify", "--json"])["head_hash"].clone();
    let source_export = node.path("source.jsonl");
    node.ok(&["export", "--format", "jsonl", "--out", s(&source_export)]);

    let key = node.path("registry.db.key");
    let migrate = |from: &str, to: &str| {
        Command::new(salw_bin())
            .args(["migrate", "--from", from, "--to", to, "--json"])
            // The source's key, for a source on a server (copied beside a new file).
            .args(["--key-file", s(&key)])
            .env_remove("SALW_DATABASE")
            .output()
            .expect("salw migrate")
    };
    let out = migrate(s(&node.db), &url);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["head_hash"], head);
    assert_eq!(report["copied"]["weapons"].as_u64(), Some(400));

    let pg = Node {
        dir: tempfile::tempdir().expect("dir"),
        db: PathBuf::from(&url),
        key_file: Some(key.clone()),
    };
    let back = Node {
        dir: tempfile::tempdir().expect("dir"),
        db: PathBuf::new(),
        key_file: None,
    };
    let back = Node {
        db: back.path("back.db"),
        ..back
    };
    let out = migrate(&url, s(&back.db));
    assert!(out.status.success(), "{}", stderr(&out));
    for copy in [&pg, &back] {
        assert_eq!(copy.json(&["verify", "--json"])["head_hash"], head);
        let export = copy.path("copy.jsonl");
        copy.ok(&["export", "--format", "jsonl", "--out", s(&export)]);
        assert!(
            std::fs::read(&source_export).expect("read") == std::fs::read(&export).expect("read"),
            "the copy's records differ"
        );
        assert_eq!(
            copy.json(&["summary", "--json"]),
            node.json(&["summary", "--json"])
        );
        assert_eq!(
            copy.json(&["user", "list", "--json"]),
            node.json(&["user", "list", "--json"])
        );
        let hit = first_hit(copy, &[&worn]);
        assert!(hit.is_object(), "no hit for {worn}");
        assert_eq!(hit, first_hit(&node, &[&worn]));
    }
    // The key came with the file: the copy takes writes.
    assert!(back.path("back.db.key").exists());
    back.add_weapon(&[
        "--category",
        "rifle",
        "--manufacturer",
        "FN",
        "--country",
        "BE",
        "--serial",
        "AFTER-1",
    ]);
    // Never over a registry: refused, nothing changed.
    let out = migrate(s(&node.db), &url);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));
    assert_eq!(pg.json(&["verify", "--json"])["head_hash"], head);
    let out = migrate(s(&node.db), s(&back.db));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("exists"), "{}", stderr(&out));
    // Another node's key where the copy would look for its own: refused before copying.
    let other = back.path("other.db");
    std::fs::write(back.path("other.db.key"), format!("{}\n", "11".repeat(32))).expect("key");
    let out = migrate(s(&node.db), s(&other));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("another node's signing key"),
        "{}",
        stderr(&out)
    );
    assert!(!other.exists(), "a refused copy left a file");
}

/// The story of a registry again, with every registry in PostgreSQL (`on_postgres`): the
/// same commands, the same answers (issue: the second storage backend).
mod postgres {
    use super::*;

    #[test]
    fn register_a_weapon_and_show_it_with_its_marks_and_timeline() {
        on_postgres(super::register_a_weapon_and_show_it_with_its_marks_and_timeline);
    }

    #[test]
    fn every_weapon_rule_is_refused_with_its_field_and_reason() {
        on_postgres(super::every_weapon_rule_is_refused_with_its_field_and_reason);
    }

    #[test]
    fn impossible_histories_are_refused_with_the_reason() {
        on_postgres(super::impossible_histories_are_refused_with_the_reason);
    }

    #[test]
    fn loss_recovery_issue_import_marking_and_corrections() {
        on_postgres(super::loss_recovery_issue_import_marking_and_corrections);
    }

    #[test]
    fn deactivated_weapon_seized_as_reactivated() {
        on_postgres(super::deactivated_weapon_seized_as_reactivated);
    }

    #[test]
    fn a_file_with_bad_rows_writes_nothing_and_names_every_bad_row() {
        on_postgres(super::a_file_with_bad_rows_writes_nothing_and_names_every_bad_row);
    }

    #[test]
    fn importing_the_same_file_twice_adds_nothing_the_second_time() {
        on_postgres(super::importing_the_same_file_twice_adds_nothing_the_second_time);
    }

    #[test]
    fn what_the_command_line_shows_of_the_records_is_in_the_audit_trail() {
        on_postgres(super::what_the_command_line_shows_of_the_records_is_in_the_audit_trail);
    }

    #[test]
    fn a_bulk_load_into_an_empty_registry_still_names_every_clash_and_keeps_its_indexes() {
        on_postgres(
            super::a_bulk_load_into_an_empty_registry_still_names_every_clash_and_keeps_its_indexes,
        );
    }

    #[test]
    fn an_export_imported_into_a_new_registry_gives_the_same_records() {
        on_postgres(super::an_export_imported_into_a_new_registry_gives_the_same_records);
    }

    #[test]
    fn categories_can_be_extended_and_both_marking_forms_are_kept() {
        on_postgres(super::categories_can_be_extended_and_both_marking_forms_are_kept);
    }

    #[test]
    fn the_marking_search_finds_misread_worn_and_foreign_script_serials() {
        on_postgres(super::the_marking_search_finds_misread_worn_and_foreign_script_serials);
    }

    #[test]
    fn search_ranks_wanted_weapons_first_among_equals_and_filters_on_every_field() {
        on_postgres(
            super::search_ranks_wanted_weapons_first_among_equals_and_filters_on_every_field,
        );
    }

    #[test]
    fn a_batch_of_queries_answers_each_line_in_order() {
        on_postgres(super::a_batch_of_queries_answers_each_line_in_order);
    }

    #[test]
    fn serve_makes_a_first_administrator_and_accounts_and_tokens_work_over_http() {
        on_postgres(
            super::serve_makes_a_first_administrator_and_accounts_and_tokens_work_over_http,
        );
    }

    #[test]
    fn every_vector_case_holds_when_built_from_event_level_records() {
        on_postgres(super::every_vector_case_holds_when_built_from_event_level_records);
    }

    #[test]
    fn scope_pooling_breakdowns_and_revisions_from_event_level_records() {
        on_postgres(super::scope_pooling_breakdowns_and_revisions_from_event_level_records);
    }

    #[test]
    fn a_corrected_seizure_counts_once_and_bad_indicator_arguments_are_named() {
        on_postgres(super::a_corrected_seizure_counts_once_and_bad_indicator_arguments_are_named);
    }

    #[test]
    fn questionnaire_tables_count_each_recovery_by_type_basis_outcome_and_person_sex() {
        on_postgres(
            super::questionnaire_tables_count_each_recovery_by_type_basis_outcome_and_person_sex,
        );
    }

    #[test]
    fn poa_report_fills_what_the_registry_knows_and_lists_the_rest() {
        on_postgres(super::poa_report_fills_what_the_registry_knows_and_lists_the_rest);
    }

    #[test]
    fn a_trace_goes_from_the_seizing_state_to_the_maker_then_the_importer_and_closes_on_all_three()
    {
        on_postgres(super::a_trace_goes_from_the_seizing_state_to_the_maker_then_the_importer_and_closes_on_all_three);
    }

    #[test]
    fn att_report_counts_the_years_exports_and_imports_by_sub_category_and_partner() {
        on_postgres(
            super::att_report_counts_the_years_exports_and_imports_by_sub_category_and_partner,
        );
    }

    #[test]
    fn an_assessment_is_recorded_all_or_none_shown_with_live_figures_and_written_as_files() {
        on_postgres(super::an_assessment_is_recorded_all_or_none_shown_with_live_figures_and_written_as_files);
    }

    #[test]
    fn a_stock_count_discrepancy_intake_and_destruction_from_the_command_line() {
        on_postgres(super::a_stock_count_discrepancy_intake_and_destruction_from_the_command_line);
    }

    #[test]
    fn two_served_nodes_deliver_a_ping_queued_by_the_cli() {
        on_postgres(super::two_served_nodes_deliver_a_ping_queued_by_the_cli);
    }

    #[test]
    fn eight_processes_writing_at_once_keep_one_verifiable_journal() {
        on_postgres(super::eight_processes_writing_at_once_keep_one_verifiable_journal);
    }
}
