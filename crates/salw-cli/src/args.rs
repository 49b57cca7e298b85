//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "salw",
    version,
    about = "Mark, record and trace small arms and light weapons: a national registry on an append-only journal."
)]
pub struct Cli {
    /// The registry: a SQLite file, or a PostgreSQL database as postgres://USER@HOST/DB
    /// (docs/postgresql.md).
    #[arg(long, global = true, env = "SALW_DATABASE", value_name = "PATH|URL")]
    pub db: Option<PathBuf>,

    /// The node's signing key file (default: the registry path with `.key` appended).
    #[arg(long, global = true, env = "SALW_KEY_FILE", value_name = "PATH")]
    pub key_file: Option<PathBuf>,

    /// Who is recording (written with every journal entry; default: the system user).
    #[arg(long, global = true, env = "SALW_USER", value_name = "NAME")]
    pub user: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty registry with this node's key pair.
    Init {
        /// This node's country (ISO 3166-1 alpha-2); can be set later with `node set-country`.
        #[arg(long)]
        country: Option<String>,
    },
    /// This node: its country, public key, files.
    #[command(subcommand)]
    Node(NodeCommand),
    /// Partner nodes of other States, and the signed messages exchanged with them
    /// (docs/federation.md).
    #[command(subcommand)]
    Peer(PeerCommand),
    /// Trace a recovered weapon: the domestic trace, and trace requests to and from partner
    /// States (docs/tracing.md).
    #[command(subcommand)]
    Trace(TraceCommand),
    /// Lost and stolen alerts shared with partner States, and the hits when a weapon one names
    /// is recovered (docs/federation.md).
    #[command(subcommand)]
    Alert(AlertCommand),
    /// Register and list weapons.
    #[command(subcommand)]
    Weapon(WeaponCommand),
    /// Register persons and organisations (licensees, dealers, State units…).
    #[command(subcommand)]
    Person(PersonCommand),
    /// Record life-cycle events (import, transfer, loss, seizure, destruction…).
    #[command(subcommand)]
    Event(EventCommand),
    /// A weapon with its marks, components and timeline.
    Show {
        /// The weapon's id or outside reference.
        weapon: String,
        #[arg(long)]
        json: bool,
    },
    /// Find the registered weapons a marking could be: misread, worn, partly obliterated or in
    /// another script. `?` stands for one unreadable character, `*` for an unknown run.
    Search(SearchArgs),
    /// The marking search index (built on first search, kept beside the registry).
    #[command(subcommand)]
    Index(IndexCommand),
    /// What the registry holds.
    Summary {
        #[arg(long)]
        json: bool,
    },
    /// Import CSV or JSON Lines files (or a folder written by `export --format csv`), all or nothing.
    Import {
        /// Files (or one export folder); all of them are written in one transaction, or none.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// What the rows are, for files whose rows do not say (no `record` column or key);
        /// otherwise told by the file name (weapons*, persons*, events*) or the CSV header.
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
        /// Print the outcome as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write everything out (persons, weapons, events), in a form `import` reads back.
    Export {
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// A folder for CSV (persons.csv, weapons.csv, events.csv); a file or `-` for JSON Lines.
        #[arg(long)]
        out: PathBuf,
    },
    /// Recompute the journal's hash chain and check the signed head.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// Copy a whole registry, journal included, into a new one on another backend: a SQLite
    /// file into PostgreSQL or back (docs/postgresql.md). The target must be empty; the copy
    /// is one transaction, checked with `verify` before it is reported done.
    Migrate {
        /// The registry to copy: a file or a postgres:// URL.
        #[arg(long, value_name = "FILE|URL")]
        from: String,
        /// Where to copy it: a new file or an empty PostgreSQL database (or schema).
        #[arg(long, value_name = "FILE|URL")]
        to: String,
        #[arg(long)]
        json: bool,
    },
    /// Build a synthetic national registry that looks like a real one.
    Demo {
        /// Number of weapons.
        #[arg(long, default_value_t = 2000)]
        records: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value = "KE")]
        country: String,
        /// Instead of a registry, write the records as files in this folder (CSV) for import.
        #[arg(long, value_name = "DIR")]
        csv_out: Option<PathBuf>,
        /// With --csv-out: write only weapons.csv (for benchmarks).
        #[arg(long, requires = "csv_out")]
        weapons_only: bool,
    },
    /// Indicators computed from the records: SDG 16.4.2 (docs/indicators.md).
    #[command(subcommand)]
    Indicator(IndicatorCommand),
    /// Reports computed from the records: the UNODC questionnaire's tables, the PoA/ITI
    /// national report (docs/reports.md).
    #[command(subcommand)]
    Report(ReportCommand),
    /// Self-assessment against the small arms control standards (ISACS/MOSAIC modules 05.20,
    /// 05.30, 05.31, 05.50, 06.10): statuses with evidence, scores, ranked gaps
    /// (docs/assessment.md).
    #[command(subcommand)]
    Assess(AssessCommand),
    /// Assistance: needs (from the assessment's gaps), donors' offers, their matches, funded
    /// projects and their results (docs/assessment.md).
    #[command(subcommand)]
    Assist(AssistCommand),
    /// Armouries: the weapons each holds in store and out on issue, and its count due date
    /// (docs/stockpile.md).
    #[command(subcommand)]
    Armoury(ArmouryCommand),
    /// Stock counts of armouries: plan, enter what was found, reconcile (docs/stockpile.md).
    #[command(subcommand)]
    Count(CountCommand),
    /// Discrepancies opened by stock counts: investigate, then resolve or confirm a loss or theft.
    #[command(subcommand)]
    Discrepancy(DiscrepancyCommand),
    /// Collection campaigns and the weapons handed in.
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// Evidence holds: a weapon held as evidence is not destroyed.
    #[command(subcommand)]
    Hold(HoldCommand),
    /// Destruction batches: each weapon checked, destroyed, certified, with photos after.
    #[command(subcommand)]
    Destruction(DestructionCommand),
    /// Deactivated weapons that turned up again (possible illicit reactivation).
    Reactivations {
        #[arg(long)]
        json: bool,
    },
    /// Serve the registry in the browser and over the JSON API (docs/server.md).
    Serve(ServeArgs),
    /// Accounts of the web interface and the API, and their roles.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens for programs.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The weapon categories (ITI para 4, and those this node added) and the known calibres.
    Categories,
    /// Add a weapon category to this node (the ITI lists are "inter alia").
    CategoryAdd {
        name: String,
        /// small_arm or light_weapon.
        #[arg(long)]
        class: String,
        /// pistol, revolver, rifle, shotgun, sub_machine_gun, machine_gun, combination_gun, other.
        #[arg(long, default_value = "other")]
        unodc_type: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    Weapons,
    Persons,
    Events,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// Country, public key and files of this node.
    Info {
        #[arg(long)]
        json: bool,
    },
    /// Set this node's country (ISO 3166-1 alpha-2).
    SetCountry { country: String },
    /// Set the address partners reach this node at (its base URL, e.g. https://salw.example.org),
    /// shown by `node info` for them to register with `peer add`.
    SetAddress { url: String },
}

#[derive(Debug, Subcommand)]
pub enum TraceCommand {
    /// The domestic trace: what this registry's own records say about a recovered weapon (the
    /// point of diversion, or the States to ask).
    Domestic {
        /// The weapon's id or outside reference.
        weapon: String,
        #[arg(long)]
        json: bool,
    },
    /// A draft trace request to a partner State, filled from the weapon and its recovery record;
    /// refused, each missing item named, until it carries what DOMAIN.md §6 lists.
    Create {
        /// The recovered weapon's id or outside reference.
        weapon: String,
        /// The State asked (a registered partner).
        #[arg(long)]
        to: String,
        /// This case's reference (default: the weapon's reference or id).
        #[arg(long)]
        reference: Option<String>,
        /// An urgent request, with its reason (otherwise routine).
        #[arg(long, value_name = "REASON")]
        urgent: Option<String>,
        /// Why the weapon is illicit and the legal basis (default: from the seizure record).
        #[arg(long)]
        illicit_basis: Option<String>,
        /// The circumstances of recovery (default: the seizure's criminal context).
        #[arg(long)]
        circumstances: Option<String>,
        /// legible, obliterated or absent (default: from the marks).
        #[arg(long)]
        serial_status: Option<String>,
        /// The import marks seen, or "none" (default: the weapon's import marks).
        #[arg(long)]
        import_marks: Option<String>,
        /// How the photographs travel, when the registry holds none (e.g. "sent by courier").
        #[arg(long)]
        photos: Option<String>,
        /// What the information will be used for.
        #[arg(long)]
        intended_use: Option<String>,
        /// A use the answer may not be put to (repeat for several).
        #[arg(long = "restriction")]
        restrictions: Vec<String>,
        #[arg(long, default_value = "law enforcement only")]
        confidentiality: String,
        #[arg(long)]
        json: bool,
    },
    /// Send a draft (`salw serve` delivers it); the partner's deadlines apply.
    Send { id: String },
    /// Traces sent and received, newest first.
    List {
        /// Only those whose acknowledgement or answer is overdue.
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        json: bool,
    },
    /// A trace: its request, every step, the candidates found here, the answer.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge a request received from a partner.
    Acknowledge { id: String },
    /// Ask the requesting State for more information about a request received.
    Ask {
        id: String,
        /// What is needed (e.g. "photographs of the proof marks").
        #[arg(long)]
        questions: String,
    },
    /// Give the information a partner asked for about a request this node sent.
    Inform {
        id: String,
        #[arg(long)]
        information: String,
    },
    /// Remind the partner of a request sent and not yet answered (`trace list --overdue` lists
    /// those past their deadlines).
    Remind {
        id: String,
        /// A note for the partner.
        #[arg(long)]
        note: Option<String>,
    },
    /// Answer a request received from a partner.
    Answer {
        id: String,
        /// complete, partial, restricted, delayed or refused.
        #[arg(long)]
        outcome: String,
        /// The ground of a refusal (ongoing investigation, confidentiality, national security…).
        #[arg(long)]
        ground: Option<String>,
        /// What the records show, in words.
        #[arg(long)]
        findings: Option<String>,
        /// The weapon found here (id or reference): its records' history travels with the answer.
        #[arg(long)]
        weapon: Option<String>,
        /// The State to ask next (e.g. where the weapon was exported to).
        #[arg(long)]
        next_state: Option<String>,
        /// A use the data may not be put to (repeat for several).
        #[arg(long = "restriction")]
        restrictions: Vec<String>,
        #[arg(long)]
        confidentiality: Option<String>,
    },
    /// Close a trace this node sent; with a point of diversion it records the weapon's
    /// `traced` event (established by tracing; chain-broken: unsuccessful, with the reason).
    Close {
        id: String,
        /// point-of-diversion-found, chain-broken or exempted.
        #[arg(long)]
        result: String,
        /// Where and when the weapon became illicit (the last legal holder).
        #[arg(long)]
        diversion: Option<String>,
        /// Why, for chain-broken or exempted.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Per partner State: requests, response rate and median hours to acknowledge and to
    /// answer (of the requests this node sent, and of those it received).
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Set how long a partner has to acknowledge and to answer (else the fallback of
    /// docs/tracing.md).
    Deadlines {
        #[arg(long)]
        country: String,
        #[arg(long)]
        acknowledge_hours: i64,
        #[arg(long)]
        answer_hours: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AlertCommand {
    /// Choose the partners this node shares its weapons reported lost or stolen with (each
    /// report once per partner, from now on as they are recorded), and queue what is not yet
    /// shared; `salw serve` delivers it. `--with ""` stops sharing.
    Share {
        /// Partner countries, comma-separated (registered with `salw peer add`).
        #[arg(long, value_delimiter = ',')]
        with: Vec<String>,
    },
    /// What is shared with whom, the alerts received, and the hits both ways.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PeerCommand {
    /// Register a partner node, or change its address or key (the history is kept).
    Add {
        /// The partner's country (ISO 3166-1 alpha-2).
        #[arg(long)]
        country: String,
        /// The partner's base URL, as its `salw node info` shows (http:// or https://).
        #[arg(long)]
        url: String,
        /// The partner's public key: 64 hex digits, as its `salw node info` shows.
        #[arg(long)]
        key: String,
    },
    /// The partners this node exchanges messages with.
    List {
        /// Every change ever made, oldest first, instead of the current partners.
        #[arg(long)]
        history: bool,
        #[arg(long)]
        json: bool,
    },
    /// Stop exchanging messages with a partner (the history keeps it).
    Remove {
        #[arg(long)]
        country: String,
    },
    /// Queue a signed `ping` to a partner; `salw serve` delivers it.
    Ping {
        #[arg(long)]
        country: String,
        /// A note carried in the message.
        #[arg(long, default_value = "")]
        note: String,
        /// How many pings to queue (scripts/bench-outbox.sh queues thousands).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        count: u32,
    },
    /// Messages sent and received, newest first.
    Messages {
        #[arg(long, default_value_t = 20)]
        limit: u64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum WeaponCommand {
    /// Register one weapon.
    Add(Box<WeaponArgs>),
    /// List weapons.
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        category: Option<String>,
        /// Exactly as registered (the fuzzy marking search is another command).
        #[arg(long)]
        serial: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct WeaponArgs {
    /// ITI category, e.g. "self-loading pistol", "assault rifle", "mortar" (see `salw categories`).
    #[arg(long)]
    pub category: String,
    #[arg(long)]
    pub manufacturer: Option<String>,
    /// Country of manufacture (ISO 3166-1 alpha-2, or SU, YU, CS, DD… for former States).
    #[arg(long)]
    pub country: Option<String>,
    #[arg(long)]
    pub model: Option<String>,
    /// The serial verbatim as marked, in its own script.
    #[arg(long)]
    pub serial: Option<String>,
    /// Condition of the serial mark: intact, altered, obliterated, recovered.
    #[arg(long)]
    pub serial_condition: Option<String>,
    /// For a recovered (etched) serial: the recovered value.
    #[arg(long)]
    pub serial_recovered: Option<String>,
    /// The calibre as marked (a canonical designation is added when known).
    #[arg(long)]
    pub calibre: Option<String>,
    #[arg(long)]
    pub year: Option<i32>,
    /// UNODC type (pistol, revolver, rifle, shotgun, sub_machine_gun, machine_gun,
    /// combination_gun, other); default from the category.
    #[arg(long)]
    pub unodc_type: Option<String>,
    /// name_country_serial (ITI para 8a), coded_symbols (8b) or unmarked.
    #[arg(long)]
    pub marking_form: Option<String>,
    /// For the coded-symbols form: the code as read.
    #[arg(long)]
    pub symbol_code: Option<String>,
    /// Another mark: KIND:TEXT[@LOCATION][#CONDITION], e.g. "proof:crown@barrel" or
    /// "import:KE 19@frame". Repeat for each mark.
    #[arg(long = "mark", value_name = "KIND:TEXT[@LOCATION][#CONDITION]")]
    pub marks: Vec<String>,
    /// A component: PART[:SERIAL], e.g. "barrel:56-01234". Repeat for each.
    #[arg(long = "component", value_name = "PART[:SERIAL]")]
    pub components: Vec<String>,
    /// Made in 1899 or before (ITI para 4).
    #[arg(long)]
    pub antique: bool,
    /// The weapon lacks a unique mark (ITI para 9): needs --follow-up.
    #[arg(long)]
    pub inadequately_marked: bool,
    /// mark_and_record or destroy.
    #[arg(long)]
    pub follow_up: Option<String>,
    /// An outside reference (ledger line, old registry number), unique.
    #[arg(long)]
    pub reference: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Register a person or organisation.
    Add {
        #[arg(long)]
        name: String,
        /// An organisation (dealer, State unit…) rather than an individual.
        #[arg(long)]
        organisation: bool,
        /// female, male or other (individuals only; optional).
        #[arg(long)]
        sex: Option<String>,
        /// licensee, dealer, manufacturer, state_unit, surrendering_person, suspect, victim, other.
        #[arg(long = "role")]
        roles: Vec<String>,
        #[arg(long)]
        country: Option<String>,
        /// Licence, registration or identity document number.
        #[arg(long)]
        identifier: Option<String>,
        #[arg(long)]
        reference: Option<String>,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// Record an event in a weapon's life.
    Add(Box<EventArgs>),
}

#[derive(Debug, Args)]
pub struct EventArgs {
    /// The weapon's id or outside reference.
    pub weapon: String,
    /// manufactured, marked, exported, imported, transferred, issued, returned, inventoried,
    /// reported_lost, reported_stolen, recovered, seized, found, surrendered, traced,
    /// deactivated, reactivation_detected, destroyed, corrected.
    pub kind: String,
    /// When it happened (YYYY-MM-DD).
    #[arg(long = "on", value_name = "DATE")]
    pub occurred_on: String,
    #[arg(long)]
    pub place: Option<String>,
    #[arg(long)]
    pub agency: Option<String>,
    #[arg(long)]
    pub officer: Option<String>,
    #[arg(long)]
    pub legal_basis: Option<String>,
    /// Licence, permit, report or certificate reference.
    #[arg(long)]
    pub document: Option<String>,
    #[arg(long)]
    pub source: Option<String>,
    /// Person or organisation (id or reference).
    #[arg(long)]
    pub from_holder: Option<String>,
    /// Person or organisation (id or reference).
    #[arg(long)]
    pub to_holder: Option<String>,
    /// Export: destination; import: where from.
    #[arg(long)]
    pub country: Option<String>,
    /// criminal_offence or administrative_violation (seizures).
    #[arg(long)]
    pub seizure_basis: Option<String>,
    #[arg(long)]
    pub criminal_context: Option<String>,
    /// bought_online, bought_in_person, stolen, diverted_from_state, craft_made, inherited, other, unknown.
    #[arg(long)]
    pub acquisition: Option<String>,
    /// A deactivated weapon brought back to firing.
    #[arg(long)]
    pub reactivated: bool,
    #[arg(long)]
    pub campaign: Option<String>,
    #[arg(long)]
    pub amnesty: bool,
    #[arg(long)]
    pub ddr: bool,
    /// A temporary import for a verifiable lawful purpose (exempt from import marking).
    #[arg(long)]
    pub temporary: bool,
    /// The serial added on import to a weapon without a unique mark.
    #[arg(long)]
    pub assigned_serial: Option<String>,
    #[arg(long)]
    pub marking_occasion: Option<String>,
    #[arg(long)]
    pub mark_text: Option<String>,
    #[arg(long)]
    pub method: Option<String>,
    #[arg(long)]
    pub witnesses: Option<String>,
    #[arg(long)]
    pub certificate: Option<String>,
    #[arg(long)]
    pub standard: Option<String>,
    #[arg(long)]
    pub parts_treated: Option<String>,
    #[arg(long)]
    pub verifier: Option<String>,
    #[arg(long)]
    pub trace_ref: Option<String>,
    /// established_by_tracing, established_by_other_means, unsuccessful, pending.
    #[arg(long)]
    pub trace_outcome: Option<String>,
    /// For an issue: when the weapon is due back (YYYY-MM-DD).
    #[arg(long)]
    pub due_on: Option<String>,
    /// For an issue, the duty; for a correction or an unsuccessful trace, why.
    #[arg(long)]
    pub reason: Option<String>,
    /// The id of the event this one corrects.
    #[arg(long)]
    pub supersedes: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The marking as read from the weapon, e.g. "TA 1234", "ТА1234", "52-01234?", "*12345".
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    pub query: Option<String>,
    /// Only weapons of this manufacturer (a part of the name is enough).
    #[arg(long, value_parser = filter_value)]
    pub make: Option<String>,
    /// Only weapons of this model (a part of the name is enough).
    #[arg(long, value_parser = filter_value)]
    pub model: Option<String>,
    /// Only weapons of this calibre (a part of its name, or another name of it: "9mm Para"
    /// finds weapons recorded as 9x19mm or 9mm Luger).
    #[arg(long, value_parser = filter_value)]
    pub calibre: Option<String>,
    /// Category ("assault rifle") or UNODC type ("rifle").
    #[arg(long = "type", value_parser = filter_value)]
    pub kind: Option<String>,
    /// Country of manufacture (ISO 3166 code).
    #[arg(long, value_parser = filter_value)]
    pub country: Option<String>,
    /// How many candidates at most.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub limit: u16,
    /// The answer as JSON (docs/search.md), for programs.
    #[arg(long)]
    pub json: bool,
    /// Queries from a JSON Lines file (`-` for standard input), one result line each, in order
    /// (docs/search.md). Filters come from each line, not from the options.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["make", "model", "calibre", "kind", "country", "json"])]
    pub batch: Option<PathBuf>,
    /// With --batch: how many queries are answered at once (default: one per CPU).
    #[arg(long, requires = "batch", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,
    /// With --batch: add the time spent on each query (`micros`).
    #[arg(long, requires = "batch")]
    pub timings: bool,
    /// Scan every serial instead of using the index (the recall oracle of the benchmark).
    #[arg(long)]
    pub brute_force: bool,
}

#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Build the marking search index again from the registry.
    Rebuild {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Build a demo registry first when the file does not exist (default file: salw-demo.db),
    /// and print a fresh password for the account `admin`.
    #[arg(long)]
    pub demo: bool,
    /// Weapons in the demo registry.
    #[arg(long, default_value_t = 2000, requires = "demo")]
    pub records: u64,
    /// Address and port to listen on (default 127.0.0.1:8080; SALW_LISTEN).
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<std::net::SocketAddr>,
    /// A TOML configuration file (docs/server.md); SALW_* variables override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin a one-time password is printed.
    Add {
        name: String,
        /// administrator, registrar, investigator, analyst or auditor.
        #[arg(long)]
        role: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// The accounts and their roles.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Set a new password (printed when not read from standard input).
    Password {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change an account's role.
    Role {
        name: String,
        role: String,
    },
    /// Stop an account from logging in (its records and audit lines stay).
    Disable {
        name: String,
    },
    Enable {
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an account; the secret is printed once.
    Add {
        account: String,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Revoke a token by the prefix shown when it was made (`salw_` and 8 characters).
    Revoke { account: String, prefix: String },
    /// An account's tokens (prefixes and labels, never the secrets).
    List { account: String },
}

#[derive(Debug, Subcommand)]
pub enum IndicatorCommand {
    /// SDG indicator 16.4.2: the share of seized, found or surrendered arms whose illicit origin
    /// was established (DOMAIN.md §7), from the event-level records.
    #[command(name = "sdg-16-4-2")]
    Sdg16_4_2(IndicatorArgs),
    /// Released figures, with the revisions of each.
    Releases {
        #[arg(long)]
        json: bool,
    },
    /// The computation profiles (which arms count).
    Profiles,
}

#[derive(Debug, Args)]
pub struct IndicatorArgs {
    /// A calendar year (instead of --from and --to).
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub year: Option<i32>,
    /// First day of the period (YYYY-MM-DD).
    #[arg(long, requires = "to")]
    pub from: Option<String>,
    /// Last day of the period (YYYY-MM-DD), included.
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// Which arms count: un-2018 (the default) or a national profile (`indicator profiles`).
    #[arg(long, default_value = "un-2018")]
    pub profile: String,
    /// Each calendar year of the period, then all of them pooled (with the mean of ratios).
    #[arg(long)]
    pub by_year: bool,
    #[arg(long, conflicts_with_all = ["csv", "sdmx"])]
    pub json: bool,
    #[arg(long, conflicts_with = "sdmx")]
    pub csv: bool,
    /// SDMX-style CSV with the UN series code VC_ARM_SZTRACE.
    #[arg(long)]
    pub sdmx: bool,
    /// Keep the figure as a release (a revision of the last one when it differs).
    #[arg(long)]
    pub release: bool,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The UNODC Illicit Arms Flows Questionnaire's seizure and tracing tables, checked
    /// (sub-totals equal totals). With --import: check a file of tables instead (and convert it).
    Questionnaire {
        /// The period: a year (2024), years (2024-2025) or dates (2024-01-01..2025-06-30).
        #[arg(long, required_unless_present = "import")]
        period: Option<String>,
        /// xlsx, json or csv; by default from the extension of --out.
        #[arg(long)]
        format: Option<String>,
        /// The file to write (`-`: standard output, not for xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Tables a user made (JSON as `--format json` writes, or CSV `table,row,column,value`):
        /// check them; with --out, write them in --format.
        #[arg(long, value_name = "FILE", conflicts_with = "period")]
        import: Option<PathBuf>,
    },
    /// The PoA/ITI national report: questions of a template, answers the registry knows
    /// filled in, answers kept from earlier (this period's, or carried from the last report),
    /// the rest listed as to complete.
    Poa {
        /// The period: years (2024-2025), a year, or dates (2024-01-01..2025-12-31).
        #[arg(long)]
        period: String,
        /// html, xlsx or json; by default from the extension of --out.
        #[arg(long)]
        format: Option<String>,
        /// The file to write (`-`: standard output, not for xlsx).
        #[arg(long)]
        out: PathBuf,
        /// The questionnaire's version.
        #[arg(long, default_value = salw_report::poa::DEFAULT_TEMPLATE)]
        template: String,
        /// Answers to the questions the registry cannot answer: a JSON object, question id to
        /// answer (`{"1.1": "yes: ...", "11.1": "..."}`). They are checked, all or none kept
        /// for the period, and carried into the next period's draft.
        #[arg(long, value_name = "FILE")]
        answers: Option<PathBuf>,
    },
    /// The Arms Trade Treaty annual report's SALW part: category VIII exports and imports of a
    /// year by sub-category and partner State, in number of items (docs/reports.md).
    Att {
        /// The calendar year reported on (2025).
        #[arg(long)]
        year: String,
        /// json, csv, xlsx or html; by default from the extension of --out, else json.
        #[arg(long)]
        format: Option<String>,
        /// The file to write; standard output when not given or `-` (not for xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AssessCommand {
    /// The checklist: each module's clauses, requirement (shall) or recommendation (should).
    Checklist {
        #[arg(long)]
        json: bool,
    },
    /// The assessments kept, with how many clauses each has answered.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Record one clause's status, with its evidence, owner and due date (a new entry; the
    /// earlier ones stay).
    Set {
        /// The assessment's name (e.g. 2026).
        assessment: String,
        /// The clause (e.g. 05.20.02).
        clause: String,
        /// met, partly_met, not_met or not_applicable.
        status: String,
        #[arg(long)]
        note: Option<String>,
        /// A document that shows it (title, reference or address).
        #[arg(long)]
        document: Option<String>,
        /// Who is to close the gap.
        #[arg(long)]
        owner: Option<String>,
        /// When it is to be closed (YYYY-MM-DD). Fields not given keep the clause's current
        /// values; an empty one (`--owner ""`) clears it.
        #[arg(long)]
        due: Option<String>,
    },
    /// Record many clauses from a JSON file: a list of
    /// `{"clause": "05.20.01", "status": "met", "note": …, "document": …, "owner": …, "due": …}`.
    /// All are checked; all or none are kept.
    Record { assessment: String, file: PathBuf },
    /// Scores per module, the gaps ranked, every clause with its evidence (figures live from the
    /// registry); --compare shows an earlier assessment's scores beside.
    Show {
        assessment: String,
        /// An earlier assessment to compare with.
        #[arg(long)]
        compare: Option<String>,
        /// text, json, html or xlsx; by default from the extension of --out, else text.
        #[arg(long)]
        format: Option<String>,
        /// The file to write; standard output when not given or `-` (not for xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AssistCommand {
    /// Record an assistance need (from a gap: give --assessment and --clause).
    Need {
        #[arg(long)]
        id: String,
        /// The module it is for (e.g. 05.20).
        #[arg(long)]
        area: String,
        #[arg(long)]
        description: String,
        /// Indicative budget in US dollars.
        #[arg(long)]
        budget: String,
        /// high, medium or low.
        #[arg(long)]
        priority: String,
        #[arg(long)]
        region: String,
        #[arg(long)]
        assessment: Option<String>,
        #[arg(long)]
        clause: Option<String>,
    },
    /// Record a donor's offer.
    Offer {
        #[arg(long)]
        id: String,
        #[arg(long)]
        donor: String,
        /// Modules it funds, comma-separated (05.20,05.50).
        #[arg(long)]
        areas: String,
        /// Regions it funds, comma-separated; none: anywhere.
        #[arg(long)]
        regions: Option<String>,
        /// Budget range in US dollars: MIN..MAX.
        #[arg(long)]
        budget: String,
    },
    /// Record a funded need as a project.
    Project {
        #[arg(long)]
        id: String,
        #[arg(long)]
        need: String,
        #[arg(long)]
        donor: String,
        #[arg(long)]
        start: String,
        #[arg(long)]
        end: String,
        #[arg(long)]
        budget: String,
        /// A report due: interim:YYYY-MM-DD or final:YYYY-MM-DD (repeat for several).
        #[arg(long = "report")]
        reports: Vec<String>,
    },
    /// Record a project's result (weapons destroyed, officials trained…), persons by sex.
    Result {
        #[arg(long)]
        project: String,
        #[arg(long)]
        what: String,
        #[arg(long)]
        count: String,
        #[arg(long)]
        female: Option<String>,
        #[arg(long)]
        male: Option<String>,
    },
    /// Needs, offers, their matches and the projects.
    List {
        /// text, json, html or xlsx; by default from the extension of --out, else text.
        #[arg(long)]
        format: Option<String>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ArmouryCommand {
    /// Every armoury (an organisation holding weapons), with its count due date.
    List {
        #[arg(long)]
        json: bool,
    },
    /// What an armoury holds: in store, and out on issue (overdue first).
    Show {
        /// The armoury's id or reference.
        armoury: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CountCommand {
    /// How often each armoury is counted in full.
    Policy {
        /// Days between full counts.
        #[arg(long)]
        every: u32,
    },
    /// Plan a count (a sample is chosen now and kept with the plan).
    Plan {
        #[arg(long)]
        id: String,
        /// The armoury's id or reference.
        #[arg(long)]
        armoury: String,
        /// full, sample or serial_check.
        #[arg(long)]
        kind: String,
        /// The day planned (YYYY-MM-DD).
        #[arg(long)]
        on: String,
        /// Who counts.
        #[arg(long)]
        counter: String,
        /// Who keeps the armoury (ideally not the counter).
        #[arg(long)]
        custodian: Option<String>,
        /// For a sample count: how many weapons.
        #[arg(long)]
        sample: Option<u32>,
        /// For a serial check: a weapon to check (id or reference); repeat for each.
        #[arg(long = "weapon")]
        weapons: Vec<String>,
    },
    /// Enter what a count found, one serial (or reference, or id) a line, from a file or the
    /// standard input; reconciles and opens a discrepancy for each difference.
    Enter {
        id: String,
        /// The day counted (YYYY-MM-DD).
        #[arg(long)]
        on: String,
        /// The list (one serial a line); the standard input when not given.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Reconcile and print the outcome without keeping anything.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DiscrepancyCommand {
    List {
        /// Only those not closed.
        #[arg(long)]
        open: bool,
        #[arg(long)]
        json: bool,
    },
    /// Record what was done to find out.
    Investigate {
        id: String,
        #[arg(long)]
        note: String,
        /// When (YYYY-MM-DD; today when not given).
        #[arg(long)]
        on: Option<String>,
    },
    /// Close it: found, or record_error.
    Resolve {
        id: String,
        /// found or record_error.
        #[arg(long = "as")]
        resolution: String,
        #[arg(long)]
        note: String,
        #[arg(long)]
        on: Option<String>,
    },
    /// Close it as a loss or a theft: the weapon's report is recorded.
    Confirm {
        id: String,
        /// loss or theft.
        #[arg(long = "as")]
        resolution: String,
        #[arg(long)]
        note: String,
        #[arg(long)]
        on: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Open a collection campaign.
    Add {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        place: String,
        #[arg(long)]
        start: String,
        #[arg(long)]
        end: String,
        /// ddr or civilian.
        #[arg(long)]
        programme: String,
        /// Surrender without prosecution for possession.
        #[arg(long)]
        amnesty: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Record the weapons handed in, from a CSV file with a header (category, manufacturer,
    /// model, serial, calibre, country, person_name, person_sex, notes; only category required).
    Intake {
        id: String,
        file: PathBuf,
        /// The day handed in (YYYY-MM-DD).
        #[arg(long)]
        on: String,
        /// The collection point, when not the campaign's place.
        #[arg(long)]
        place: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum HoldCommand {
    /// Hold a weapon as evidence.
    Place {
        /// The weapon's id or reference.
        weapon: String,
        #[arg(long)]
        case: String,
    },
    /// Release an evidence hold.
    Release {
        weapon: String,
        #[arg(long)]
        case: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DestructionCommand {
    /// Check each weapon and destroy the batch, all or nothing.
    Add {
        #[arg(long)]
        id: String,
        /// cutting, crushing, melting, shredding…
        #[arg(long)]
        method: String,
        #[arg(long)]
        place: String,
        #[arg(long)]
        date: String,
        #[arg(long)]
        authority: String,
        #[arg(long)]
        witnesses: String,
        #[arg(long)]
        certificate: String,
        /// The weapons, by id or reference.
        #[arg(required = true)]
        weapons: Vec<String>,
    },
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add a photo taken after the destruction (its BLAKE3 hash is printed on the certificate).
    Evidence {
        id: String,
        photo: PathBuf,
        #[arg(long, default_value = "")]
        caption: String,
    },
}

/// A search filter's value: a blank one would keep every weapon (a part that is empty is in
/// every name) or none (no country is blank), never what was meant.
fn filter_value(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        Err("empty: give a value, or leave the option out for no filter".to_owned())
    } else {
        Ok(text.to_owned())
    }
}
