//! The training settings both `train` and `train sweep` take. Each flag is named after its setting
//! in `config::SETTINGS` and described by that table (`config::setting_help`), so the CLI, the
//! page's form and the share link cannot drift apart.

use activation_playground::config::setting_help;

#[derive(clap::Args, Debug)]
pub struct SettingFlags {
    #[arg(long, default_value = "mnist", help = setting_help("dataset"))]
    pub dataset: String,
    #[arg(long, help = setting_help("widths"))]
    pub widths: Option<String>,
    #[arg(long, help = setting_help("init"))]
    pub init: Option<String>,
    #[arg(long, help = setting_help("gain"))]
    pub gain: Option<String>,
    #[arg(long, help = setting_help("bn"))]
    pub bn: Option<String>,
    #[arg(long, help = setting_help("lr"))]
    pub lr: Option<String>,
    #[arg(long, help = setting_help("momentum"))]
    pub momentum: Option<String>,
    #[arg(long, help = setting_help("batch"))]
    pub batch: Option<String>,
    #[arg(long, help = setting_help("epochs"))]
    pub epochs: Option<String>,
    /// The CLI trains on the CPU unless asked (a GPU needs the `native-wgpu` feature).
    #[arg(long, default_value = "cpu", help = setting_help("backend"))]
    pub backend: String,
}

impl SettingFlags {
    /// The flags given, as (setting, text) pairs for `Config::with_settings` / `SweepSpec`.
    pub fn pairs(&self) -> Vec<(&'static str, &String)> {
        let flags = [
            ("dataset", Some(&self.dataset)),
            ("widths", self.widths.as_ref()),
            ("init", self.init.as_ref()),
            ("gain", self.gain.as_ref()),
            ("bn", self.bn.as_ref()),
            ("lr", self.lr.as_ref()),
            ("momentum", self.momentum.as_ref()),
            ("batch", self.batch.as_ref()),
            ("epochs", self.epochs.as_ref()),
            ("backend", Some(&self.backend)),
        ];
        given(flags)
    }
}

/// The flags that were given, as (setting, text) pairs.
pub fn given<'a>(
    flags: impl IntoIterator<Item = (&'static str, Option<&'a String>)>,
) -> Vec<(&'static str, &'a String)> {
    flags.into_iter().filter_map(|(key, value)| value.map(|v| (key, v))).collect()
}
