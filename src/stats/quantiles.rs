//! The host-side helpers the charts use (pure functions of what a probe read back): quantiles,
//! percentiles, histograms from quantiles, and the loss curve's exponential moving average.

use super::QUANTILES;

/// The 101 quantiles (0 %, 1 %, …, 100 %) of `values`, by linear interpolation between order
/// statistics (see the module docs). NaN and ±∞ sort to the ends (NaN beyond ∞), and any
/// quantile that comes out non-finite is stored as NaN. No values: all NaN.
pub fn quantiles(values: &[f32]) -> Vec<f32> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f32::total_cmp);
    quantiles_of_sorted(&sorted)
}

/// [`quantiles`] of values already sorted ascending.
pub fn quantiles_of_sorted(sorted: &[f32]) -> Vec<f32> {
    let n = sorted.len();
    if n == 0 {
        return vec![f32::NAN; QUANTILES];
    }
    (0..QUANTILES)
        .map(|k| {
            let h = k as f64 / (QUANTILES - 1) as f64 * (n - 1) as f64;
            let lo = (h.floor() as usize).min(n - 1);
            let hi = (lo + 1).min(n - 1);
            let frac = h - lo as f64;
            let a = sorted[lo] as f64;
            let v = if hi == lo || frac == 0.0 { a } else { a + (sorted[hi] as f64 - a) * frac };
            let v = v as f32;
            if v.is_finite() { v } else { f32::NAN }
        })
        .collect()
}

/// The `p`-th percentile (`p` in 0..=100) from evenly spaced quantiles (101 of them: 0 %…100 %),
/// interpolating linearly between neighbours. NaN when `p` is outside 0..=100, there are no
/// quantiles, or a neighbour is NaN.
pub fn percentile(quantiles: &[f32], p: f32) -> f32 {
    if quantiles.is_empty() || !(0.0..=100.0).contains(&p) {
        return f32::NAN;
    }
    if quantiles.len() == 1 {
        return quantiles[0];
    }
    let h = p as f64 / 100.0 * (quantiles.len() - 1) as f64;
    let lo = (h.floor() as usize).min(quantiles.len() - 1);
    let hi = (lo + 1).min(quantiles.len() - 1);
    let frac = h - lo as f64;
    let a = quantiles[lo] as f64;
    if hi == lo || frac == 0.0 {
        return a as f32;
    }
    (a + (quantiles[hi] as f64 - a) * frac) as f32
}

/// The share of values in each of `bins` equal bins over `[lo, hi]`, from the evenly spaced
/// quantiles of their distribution: each interval between neighbouring quantiles holds
/// `1/(len−1)` of the mass (1 % for 101 quantiles), spread uniformly over the interval; an
/// interval of zero width (many values exactly equal, e.g. ReLU zeros) puts its whole mass into
/// the bin holding that value. Intervals touching a NaN are left out, so the shares add up to
/// the mass of the finite intervals (1 when every quantile is finite); mass outside the range
/// is counted in the edge bins. A degenerate or non-finite range gives all zeros.
pub fn histogram_mass_in_range(quantiles: &[f32], lo: f64, hi: f64, bins: usize) -> Vec<f32> {
    let mut mass = vec![0.0f64; bins];
    if bins == 0 || quantiles.len() < 2 || !lo.is_finite() || !hi.is_finite() || hi <= lo {
        return vec![0.0; bins];
    }
    let per_interval = 1.0 / (quantiles.len() - 1) as f64;
    let width = (hi - lo) / bins as f64;
    let bin_of = |x: f64| (((x - lo) / width).floor().max(0.0) as usize).min(bins - 1);
    for pair in quantiles.windows(2) {
        let (a, b) = (pair[0] as f64, pair[1] as f64);
        if !a.is_finite() || !b.is_finite() {
            continue;
        }
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        if b - a <= 0.0 {
            mass[bin_of(a)] += per_interval;
            continue;
        }
        let (first, last) = (bin_of(a), bin_of(b));
        for (j, m) in mass.iter_mut().enumerate().take(last + 1).skip(first) {
            let left = lo + j as f64 * width;
            let right = if j + 1 == bins { hi } else { left + width };
            let overlap = (b.min(right) - a.max(left)).max(0.0);
            *m += per_interval * overlap / (b - a);
        }
        // Mass beyond the range goes to the edge bins.
        if a < lo {
            mass[0] += per_interval * (b.min(lo) - a) / (b - a);
        }
        if b > hi {
            mass[bins - 1] += per_interval * (b - a.max(hi)) / (b - a);
        }
    }
    mass.into_iter().map(|m| m as f32).collect()
}

/// The share of values exactly equal to `x`, as far as 101 quantiles can tell: the number of
/// zero-width quantile intervals sitting at `x`, times 1 % (a lower bound, good to 1 %).
pub fn point_mass(quantiles: &[f32], x: f32) -> f32 {
    if quantiles.len() < 2 {
        return 0.0;
    }
    let at = quantiles.windows(2).filter(|p| p[0] == x && p[1] == x).count();
    at as f32 / (quantiles.len() - 1) as f32
}

/// Exponential moving average with bias correction (as TensorBoard smooths): `smoothing` in
/// [0, 1), 0 = no smoothing. Non-finite inputs give NaN at their position and are otherwise
/// ignored (they do not poison later values).
pub fn ema(values: &[f32], smoothing: f32) -> Vec<f32> {
    let s = (smoothing as f64).clamp(0.0, 0.999_999);
    let mut avg = 0.0f64;
    let mut weight = 0.0f64;
    values
        .iter()
        .map(|&v| {
            if !v.is_finite() {
                return f32::NAN;
            }
            avg = avg * s + (1.0 - s) * v as f64;
            weight = weight * s + (1.0 - s);
            (avg / weight) as f32
        })
        .collect()
}
