//! The training settings as flags, made from the settings table (`config::SETTINGS`) with clap's
//! builder: each flag is named after its setting and described by its help, so a new setting
//! is a new flag of `train` and `train sweep` without a line here.

use activation_playground::config::table::CLI_DEFAULTS;
use activation_playground::config::{SETTINGS, setting_help};
use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};
use std::fmt::Debug;
use std::marker::PhantomData;

/// Which settings a command leaves out of its flags.
pub trait Leave: Debug {
    const LEFT_OUT: &'static [&'static str];
}

/// `train`: every setting but the statistics cadence (the CLI takes none).
#[derive(Debug)]
pub struct Run;
impl Leave for Run {
    const LEFT_OUT: &'static [&'static str] = &["stats"];
}

/// `train sweep`: its `--combos` and `--seeds` stand in for `--acts` and `--seed`.
#[derive(Debug)]
pub struct Sweep;
impl Leave for Sweep {
    const LEFT_OUT: &'static [&'static str] = &["stats", "acts", "seed"];
}

/// The setting flags given (or defaulted, see `CLI_DEFAULTS`), as (setting, text) pairs for
/// `Config::with_settings` / `SweepSpec::apply_setting`, in the table's order.
#[derive(Debug)]
pub struct SettingFlags<L> {
    pairs: Vec<(&'static str, String)>,
    command: PhantomData<L>,
}

impl<L: Leave> SettingFlags<L> {
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        self.pairs.clone()
    }

    /// Whether the setting `name` was given (or has a CLI default).
    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(key, _)| *key == name)
    }

    fn names() -> impl Iterator<Item = &'static str> {
        SETTINGS.iter().map(|row| row.name).filter(|name| !L::LEFT_OUT.contains(name))
    }
}

impl<L: Leave> Args for SettingFlags<L> {
    fn augment_args(command: Command) -> Command {
        Self::names().fold(command, |command, name| {
            let flag = Arg::new(name).long(name).help(setting_help(name));
            command.arg(match CLI_DEFAULTS.iter().find(|(key, _)| *key == name) {
                Some(&(_, value)) => flag.default_value(value),
                None => flag,
            })
        })
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}

impl<L: Leave> FromArgMatches for SettingFlags<L> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut flags = SettingFlags { pairs: Vec::new(), command: PhantomData };
        flags.update_from_arg_matches(matches)?;
        Ok(flags)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        for name in Self::names() {
            if let Some(value) = matches.get_one::<String>(name) {
                self.pairs.retain(|(key, _)| *key != name);
                self.pairs.push((name, value.clone()));
            }
        }
        Ok(())
    }
}
