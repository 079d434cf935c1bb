//! Numbers as text, in one place: the charts' tick labels and annotations, the hover read-outs,
//! the sweep table and the messages that echo a value. A change to how a number reads is made
//! here and shows everywhere.

/// A number for a read-out: NaN and ±∞ spelled out, very small or large values in exponent form
/// (`1.23e-4`, `4.56e+7`, as JavaScript's `toExponential` writes them), the rest with `digits`
/// decimals.
pub fn value(v: f64, digits: usize) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞".into() } else { "−∞".into() };
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        let text = format!("{v:.2e}");
        return match text.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => text,
        };
    }
    format!("{v:.digits$}")
}

/// A fraction in percent with `digits` decimals and no sign: 0.97812 → `97.81` (2).
pub fn percent_number(fraction: f64, digits: usize) -> String {
    format!("{:.digits$}", fraction * 100.0)
}

/// A fraction in percent with `digits` decimals: 0.25 → `25%` (0), 0.1234 → `12.3%` (1).
pub fn percent(fraction: f64, digits: usize) -> String {
    format!("{}%", percent_number(fraction, digits))
}

/// A fraction for a read-out: one decimal (`12.3%`), `NaN` when not finite.
pub fn readout_percent(fraction: f64) -> String {
    if fraction.is_finite() { percent(fraction, 1) } else { "NaN".into() }
}

/// A whole number with its thousands grouped: `12,345`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A ratio in large type: three decimals (`0.125`), exponent form below 0.001 (`3.20e-5`).
pub fn ratio(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-3 { format!("{v:.2e}") } else { format!("{v:.3}") }
}

/// A number as a message shows it: as written when that is short (`0.01`, `-3`, `1000`),
/// otherwise in scientific notation (`1e308`, `1.5e-12`), never hundreds of digits.
pub fn short_number(x: f64) -> String {
    let plain = x.to_string();
    if plain.len() <= 12 || !x.is_finite() {
        return plain;
    }
    let exact = format!("{x:e}");
    if exact.len() <= 12 {
        return exact;
    }
    // Many significant digits: six are enough to recognise the number.
    let rounded: f64 = format!("{x:.5e}").parse().unwrap_or(x);
    let plain = rounded.to_string();
    if plain.len() <= 12 { plain } else { format!("{rounded:e}") }
}

// ------------------------------------------------------------------------------------------
// Tick labels of the charts' axes

/// Tick labels with as many decimals as the axis span needs; exponent form for very large or
/// very small spans (`2e29`, `1.5e29`).
pub fn axis_number(span: (f64, f64)) -> impl Fn(&f64) -> String {
    let width = (span.1 - span.0).abs().max(1e-30);
    let decimals = (-(width / 5.0).log10().floor()).clamp(0.0, 6.0) as usize;
    let big = span.0.abs().max(span.1.abs());
    move |v: &f64| {
        if big >= 1e5 || (big < 1e-3 && big > 0.0) {
            if *v == 0.0 {
                return "0".into();
            }
            // 2.0e29 → 2e29, 1.5e29 stays.
            let s = format!("{v:.1e}");
            match s.split_once('e') {
                Some((m, e)) => format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.')),
                None => s,
            }
        } else {
            let s = format!("{v:.decimals$}");
            if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') { s[1..].to_string() } else { s }
        }
    }
}

/// A training step on an axis: `900`, `12k`.
pub fn step_tick(v: &f64) -> String {
    if v.abs() >= 10_000.0 { format!("{:.0}k", v / 1000.0) } else { format!("{v:.0}") }
}

/// A fraction on an axis, in whole percent: `25%`.
pub fn percent_tick(v: &f64) -> String {
    percent(*v, 0)
}

/// A value on a log axis: `0.1`, `50`, `1e-5`.
pub fn log_tick(v: &f64) -> String {
    if *v >= 0.01 && *v < 1000.0 {
        let s = format!("{v}");
        if s.len() <= 6 { s } else { format!("{v:.0e}") }
    } else {
        format!("{v:.0e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_outs_spell_out_what_is_not_a_number() {
        assert_eq!(value(f64::NEG_INFINITY, 4), "−∞");
        assert_eq!(value(-2e-7, 4), "-2.00e-7");
        assert_eq!(value(0.0, 2), "0.00");
        // A diverging run's last finite loss: never a row of twenty digits.
        assert_eq!(value(1.822_572_5e19, 3), "1.82e+19");
        assert_eq!(value(12_345.678, 3), "12345.678");
        assert_eq!(readout_percent(f64::NAN), "NaN");
        assert_eq!(percent(0.978_12, 2), "97.81%");
        assert_eq!(percent_number(0.001_2, 2), "0.12");
    }

    #[test]
    fn counts_ratios_and_message_numbers_stay_short() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(ratio(0.125), "0.125");
        assert_eq!(ratio(0.000_032), "3.20e-5");
        assert_eq!(ratio(0.0), "0.000");
        assert_eq!(short_number(0.01), "0.01");
        assert_eq!(short_number(1e308), "1e308");
        assert_eq!(short_number(1.234_567_890_123_4e-12), "1.23457e-12");
        assert_eq!(short_number(f64::INFINITY), "inf");
    }

    #[test]
    fn tick_labels_are_short() {
        let f = axis_number((0.0, 2.5));
        assert_eq!(f(&1.5), "1.5");
        assert_eq!(f(&-0.0), "0.0");
        assert_eq!(axis_number((0.0, 100.0))(&40.0), "40");
        let big = axis_number((0.0, 2e29));
        assert_eq!((big(&0.0).as_str(), big(&2e29).as_str(), big(&1.5e29).as_str()), ("0", "2e29", "1.5e29"));
        assert_eq!(log_tick(&1e-5), "1e-5");
        assert_eq!(log_tick(&0.1), "0.1");
        assert_eq!(percent_tick(&0.25), "25%");
        assert_eq!(step_tick(&12000.0), "12k");
    }
}
