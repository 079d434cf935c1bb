//! The A/B run's verdict: which network reached the better test accuracy, or that the two did
//! about the same.

/// Test accuracies closer than this many percentage points are "about the same": the spread of
/// one combination's runs over seeds on MNIST is about this wide.
pub const SAME_WITHIN_POINTS: f64 = 0.5;

/// `about the same`, or `B is 1.2 points better`, for test accuracies `a` and `b` (fractions).
pub fn verdict(a: f64, b: f64) -> String {
    let diff = 100.0 * (b - a);
    if diff.abs() < SAME_WITHIN_POINTS {
        return "about the same".into();
    }
    format!("{} is {:.1} points better", if diff > 0.0 { "B" } else { "A" }, diff.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_a_point_apart_is_a_difference() {
        assert_eq!(verdict(0.97, 0.9749), "about the same");
        assert_eq!(verdict(0.9749, 0.97), "about the same");
        assert_eq!(verdict(0.97, 0.9751), "B is 0.5 points better");
        assert_eq!(verdict(0.98, 0.35), "A is 63.0 points better");
    }
}
