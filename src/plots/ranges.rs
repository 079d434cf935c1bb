//! Axis ranges: always finite and non-degenerate, whatever the data (NaN, ∞, one value).

use crate::history::History;

/// Smallest and largest finite value.
pub(crate) fn finite_span(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| v.is_finite()).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// A finite, non-degenerate axis range around `span` (default `[0, 1]`), widened by `pad`
/// of its width on both sides.
pub(crate) fn padded(span: Option<(f64, f64)>, pad: f64) -> (f64, f64) {
    let (mut lo, mut hi) = span.unwrap_or((0.0, 1.0));
    lo = lo.clamp(-1e30, 1e30);
    hi = hi.clamp(-1e30, 1e30);
    if hi < lo {
        std::mem::swap(&mut lo, &mut hi);
    }
    let width = hi - lo;
    if width <= 1e-9 * lo.abs().max(hi.abs()).max(1e-30) || width < 1e-30 {
        let half = (lo.abs() * 0.05).max(0.05);
        return (lo - half, hi + half);
    }
    (lo - pad * width, hi + pad * width)
}

/// A log axis range covering the positive finite values with a little room (×1.5 each way),
/// widened to span at least one decade so a power of 10 is always labelled.
pub(crate) fn log_range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    match finite_span(values.into_iter().filter(|v| *v > 0.0)) {
        None => (1e-6, 1.0),
        Some((lo, hi)) => {
            let (mut a, mut b) = ((lo / 1.5).max(1e-300).log10(), (hi * 1.5).min(1e300).log10());
            if b - a < 1.0 {
                // One decade around the middle: [m − ½, m + ½] always holds an integer power.
                let mid = (a + b) / 2.0;
                a = mid - 0.5;
                b = mid + 0.5;
            }
            (10f64.powf(a), 10f64.powf(b))
        }
    }
}

/// Tick values for a log axis over `range`: 1-2-5 per decade when it spans at most two
/// decades, every decade up to 7, then every few decades.
pub(crate) fn log_ticks(range: (f64, f64)) -> Vec<f64> {
    let (lo, hi) = (range.0.max(1e-300), range.1.min(1e300));
    if !(lo > 0.0 && hi > lo) {
        return Vec::new();
    }
    let (a, b) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let decades = (hi / lo).log10();
    let (multipliers, every): (&[f64], i32) = if decades <= 2.2 {
        (&[1.0, 2.0, 5.0], 1)
    } else if decades <= 7.5 {
        (&[1.0], 1)
    } else {
        (&[1.0], (decades / 6.0).ceil() as i32)
    };
    let mut ticks = Vec::new();
    for k in a..=b {
        if k.rem_euclid(every) != 0 {
            continue;
        }
        for m in multipliers {
            let v = m * 10f64.powi(k);
            if v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9) {
                ticks.push(v);
            }
        }
    }
    ticks
}

/// The x range of the step axis: 0 to the last step anyone recorded.
pub(crate) fn step_range(history: &History) -> (f64, f64) {
    let last = [
        history.steps.last().map(|s| s.step),
        history.epochs.last().map(|e| e.step),
        history.probes.last().map(|p| p.step),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(1);
    (0.0, last.max(1) as f64)
}

/// The steps at which epochs ended (only those inside the x range).
pub(crate) fn epoch_steps(history: &History) -> Vec<f64> {
    history.epochs.iter().map(|e| e.step as f64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_stay_finite_and_open() {
        assert_eq!(padded(None, 0.0), (0.0, 1.0));
        let (lo, hi) = padded(Some((2.0, 2.0)), 0.05);
        assert!(lo < 2.0 && hi > 2.0);
        let (lo, hi) = padded(Some((0.0, 0.0)), 0.05);
        assert!(lo < 0.0 && hi > 0.0);
        let (lo, hi) = padded(Some((-3e38, 3e38)), 0.05);
        assert!(lo.is_finite() && hi.is_finite() && hi > lo);
        assert_eq!(finite_span([f64::NAN, 3.0, f64::INFINITY, -1.0]), Some((-1.0, 3.0)));
        let (lo, hi) = log_range([0.003, 0.2, 0.0, f64::NAN]);
        assert!((lo - 0.002).abs() < 1e-9 && (hi - 0.3).abs() < 1e-9, "{lo} {hi}");
        // Less than a decade of data still shows a power of 10.
        for v in [0.02, 0.07, 0.5, 3.0, 1.0] {
            let (lo, hi) = log_range([v, v * 1.2]);
            assert!(hi / lo >= 9.99 && lo <= v && hi >= v * 1.2, "{v}: {lo} {hi}");
            assert!(lo.log10().ceil() <= hi.log10() + 1e-9, "{v}: {lo} {hi}");
        }
        assert_eq!(log_range([0.0]), (1e-6, 1.0));
        assert_eq!(log_ticks((0.03, 0.7)), vec![0.05, 0.1, 0.2, 0.5]);
        assert_eq!(log_ticks((1e-5, 1.0)), vec![1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]);
        assert_eq!(log_ticks((1e-20, 1.0)).len(), 6);
        assert!(log_ticks((1.0, 1.0)).is_empty());
        let (lo, hi) = log_range([1.0]);
        assert!(hi > lo);
    }
}
