//! The one table of settings. Each row names a field of [`Config`] and says everything else
//! about it: its one name (JSON field, link key, CLI flag, form element, error field), the
//! form's label, its help, its kind (choices, or a number's range), and how the link shows it.
//! The form (through the wasm export), the share link, the CLI's flags and `--help`, the JSON,
//! validation and docs/settings.md all read this table: a new setting is one row here and one
//! field of [`Config`].

use super::row::{Group, Kind, Range, SettingRow};
use super::{
    Activation, BackendKind, BatchNormMode, Config, DatasetKind, Init, Loss, MAX_BATCH_SIZE, MAX_EPOCHS, MAX_GAIN,
    MAX_LAYERS, MAX_LR, MAX_SEED, MAX_STATS_EVERY, MAX_WIDTH,
};
use serde::Serialize;

const fn number(noun: &'static str, range: Range) -> Kind {
    Kind::Number { noun, range }
}

/// Every setting, in the order of the form and of a share link.
pub const SETTINGS: &[SettingRow] = &[
    SettingRow {
        name: "dataset",
        label: "Dataset",
        help: "the data to train and test on",
        kind: Kind::Choice(DatasetKind::choices),
        group: "data",
        only_if_changed: false,
        get: |c| &c.dataset,
        get_mut: |c| &mut c.dataset,
    },
    SettingRow {
        name: "acts",
        label: "Activations",
        help: "one activation per Linear layer, the last on the output",
        kind: Kind::Layers(Activation::choices),
        group: "layers",
        only_if_changed: false,
        get: |c| &c.acts,
        get_mut: |c| &mut c.acts,
    },
    SettingRow {
        name: "bn",
        label: "BatchNorm",
        help: "where BatchNorm sits: nowhere, after every Linear, or only after the last",
        kind: Kind::Choice(BatchNormMode::choices),
        group: "batchnorm",
        only_if_changed: false,
        get: |c| &c.batch_norm,
        get_mut: |c| &mut c.batch_norm,
    },
    SettingRow {
        name: "lr",
        label: "Learning rate",
        help: "SGD step size",
        kind: number("learning rate", Range::Positive(MAX_LR)),
        group: "training",
        only_if_changed: false,
        get: |c| &c.lr,
        get_mut: |c| &mut c.lr,
    },
    SettingRow {
        name: "momentum",
        label: "Momentum",
        help: "SGD momentum (dampening 0, as in PyTorch)",
        kind: number("momentum", Range::Fraction),
        group: "training",
        only_if_changed: false,
        get: |c| &c.momentum,
        get_mut: |c| &mut c.momentum,
    },
    SettingRow {
        name: "batch",
        label: "Batch size",
        help: "images per step",
        kind: number("batch size", Range::whole(1, MAX_BATCH_SIZE)),
        group: "training",
        only_if_changed: false,
        get: |c| &c.batch_size,
        get_mut: |c| &mut c.batch_size,
    },
    SettingRow {
        name: "epochs",
        label: "Epochs",
        help: "passes over the training set",
        kind: number("epochs", Range::whole(1, MAX_EPOCHS)),
        group: "training",
        only_if_changed: false,
        get: |c| &c.epochs,
        get_mut: |c| &mut c.epochs,
    },
    SettingRow {
        name: "seed",
        label: "Seed",
        help: "fixes the initial weights and the batch order",
        kind: number("seed", Range::Whole { min: 0, max: MAX_SEED, unit: "" }),
        group: "training",
        only_if_changed: false,
        get: |c| &c.seed,
        get_mut: |c| &mut c.seed,
    },
    SettingRow {
        name: "backend",
        label: "Backend",
        help: "gpu (WebGPU in the browser, wgpu natively) or cpu",
        kind: Kind::Choice(BackendKind::choices),
        group: "device",
        only_if_changed: false,
        get: |c| &c.backend,
        get_mut: |c| &mut c.backend,
    },
    SettingRow {
        name: "stats",
        label: "Statistics every (steps)",
        help: "take activation and gradient statistics every this many steps (0 = never)",
        kind: number("statistics cadence", Range::Whole { min: 0, max: MAX_STATS_EVERY as u64, unit: " steps" }),
        group: "training",
        only_if_changed: false,
        get: |c| &c.stats_every,
        get_mut: |c| &mut c.stats_every,
    },
    SettingRow {
        name: "widths",
        label: "Hidden widths",
        help: "units of each hidden layer, one fewer than the activations",
        kind: Kind::Numbers { noun: "each hidden width", range: Range::whole(1, MAX_WIDTH) },
        group: "layers",
        only_if_changed: true,
        get: |c| &c.widths,
        get_mut: |c| &mut c.widths,
    },
    SettingRow {
        name: "init",
        label: "Initialisation",
        help: "how the weights start, drawn from the seed",
        kind: Kind::Choice(Init::choices),
        group: "network",
        only_if_changed: true,
        get: |c| &c.init,
        get_mut: |c| &mut c.init,
    },
    SettingRow {
        name: "gain",
        label: "Init gain",
        help: "multiplies the initial weights' spread",
        kind: number("init gain", Range::Positive(MAX_GAIN)),
        group: "network",
        only_if_changed: true,
        get: |c| &c.gain,
        get_mut: |c| &mut c.gain,
    },
    SettingRow {
        name: "bias",
        label: "Biases",
        help: "whether the Linear layers have biases (1 or 0)",
        kind: Kind::Choice(|| vec![("1", "With biases"), ("0", "No biases")]),
        group: "network",
        only_if_changed: true,
        get: |c| &c.bias,
        get_mut: |c| &mut c.bias,
    },
    SettingRow {
        name: "loss",
        label: "Loss",
        help: "nll (softmax cross-entropy, mean) or sse (½·Σ squared error over the batch)",
        kind: Kind::Choice(Loss::choices),
        group: "network",
        only_if_changed: true,
        get: |c| &c.loss,
        get_mut: |c| &mut c.loss,
    },
];

/// Every setting's name, in the table's order.
pub const SETTING_KEYS: [&str; SETTINGS.len()] = {
    let mut keys = [""; SETTINGS.len()];
    let mut i = 0;
    while i < SETTINGS.len() {
        keys[i] = SETTINGS[i].name;
        i += 1;
    }
    keys
};

/// What the CLI (`train`, `train sweep`) starts from where the page takes the defaults: the
/// full dataset of a folder (`--data`), on the CPU.
pub const CLI_DEFAULTS: [(&str, &str); 2] = [("dataset", "mnist"), ("backend", "cpu")];

/// The row of the setting `name`.
pub fn setting(name: &str) -> Option<&'static SettingRow> {
    SETTINGS.iter().find(|row| row.name == name)
}

/// A setting as the page's form and the sweep form receive it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Setting {
    pub name: &'static str,
    pub label: &'static str,
    /// What it does, with its allowed range (from the same limits the validation checks).
    pub help: String,
    /// What its text is: `choice` (one of `choices`), `list` (comma-separated), `integer`,
    /// `number` or `text` (a word or a number, e.g. `auto`); the form picks its control (and a
    /// phone its keyboard) from this.
    pub input: &'static str,
    /// `[value, label]` pairs; empty for free-form numbers.
    pub choices: Vec<(&'static str, &'static str)>,
}

/// The table for the page's form, with the choices of each enumerated setting.
pub fn settings_table() -> Vec<Setting> {
    SETTINGS
        .iter()
        .map(|row| Setting {
            name: row.name,
            label: row.label,
            help: row.full_help(),
            input: row.kind.input(),
            choices: row.kind.choices(),
        })
        .collect()
}

/// A setting as the page's form draws it: its entry of [`settings_table`] and the box of the
/// form it goes in (`data-settings="…"`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FormSetting {
    #[serde(flatten)]
    pub setting: Setting,
    pub group: Group,
    /// Whether B of an A/B comparison may set it (see [`crate::ab::B_SETTINGS`]).
    #[serde(rename = "bSide")]
    pub b_side: bool,
}

/// The table for the page's form (the wasm export `settings`).
pub fn form_table() -> Vec<FormSetting> {
    settings_table()
        .into_iter()
        .zip(SETTINGS)
        .map(|(setting, row)| FormSetting {
            setting,
            group: row.group,
            b_side: crate::ab::B_SETTINGS.contains(&row.name),
        })
        .collect()
}

/// A setting's help with its choices (`bn`: "where BatchNorm sits: …; one of none, all, last"),
/// for the CLI's `--help`, so the flags describe themselves from the same table as the form.
pub fn setting_help(name: &str) -> String {
    let Some(row) = setting(name) else {
        return String::new();
    };
    let values: Vec<&str> = row.kind.choices().iter().map(|&(value, _)| value).collect();
    if values.is_empty() { row.full_help() } else { format!("{}; one of {}", row.full_help(), values.join(", ")) }
}

/// docs/settings.md: every setting with its type, default, range or choices and help.
pub fn settings_markdown() -> String {
    let defaults = Config::default();
    let mut out = String::from(
        "# Settings\n\n\
         Generated from the settings table (`src/config/table.rs`); do not edit by hand. After changing the \
         table, regenerate it with `UPDATE_DOCS=1 cargo test --release --test settings_doc`.\n\n\
         Each setting has one name: the JSON field, the share-link key (`b.` + it for the B side of a \
         comparison), the CLI flag (`--name`), the form's field and the name in error messages.\n\n\
         | Name | Label | Type | Default | Range or choices | Help |\n\
         |---|---|---|---|---|---|\n",
    );
    for row in SETTINGS {
        let allowed = match row.kind {
            Kind::Choice(choices) | Kind::Layers(choices) => {
                choices().iter().map(|(value, title)| format!("`{value}` ({title})")).collect::<Vec<_>>().join(", ")
            }
            Kind::Number { range, .. } | Kind::Numbers { range, .. } => range.text(),
        };
        let allowed = match row.kind {
            Kind::Layers(_) => format!("1 to {MAX_LAYERS} of {allowed}"),
            Kind::Numbers { .. } => format!("each {allowed}"),
            _ => allowed,
        };
        let default = (row.get)(&defaults).text();
        let cells = [format!("`{}`", row.name), row.label.to_string(), row.kind.input().to_string()]
            .into_iter()
            .chain([format!("`{default}`"), allowed, row.help.to_string()]);
        let cells: Vec<String> = cells.map(|cell| cell.replace('|', "\\|")).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    let network: Vec<String> =
        SETTINGS.iter().filter(|row| row.only_if_changed).map(|row| format!("`{}`", row.name)).collect();
    let cli: Vec<String> = CLI_DEFAULTS.iter().map(|(name, value)| format!("`{name}={value}`")).collect();
    out.push_str(&format!(
        "\nThe network settings ({}) appear in a link or a file name only where they differ from the article's. \
         The CLI (`train`) starts from {} and takes no statistics; `train sweep` takes `--combos` and `--seeds` \
         in place of `--acts` and `--seed`.\n",
        network.join(", "),
        cli.join(" and ")
    ));
    out
}
