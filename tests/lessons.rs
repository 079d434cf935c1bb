//! The lessons: each step's talking point ends in numbers that are claims of the step's presets,
//! which tests/presets.rs checks by training, on the same settings; and their links open,
//! step by step, with a step past the end named.

use activation_playground::config::Activation;
use activation_playground::share::{LessonPlace, find_lesson, find_preset, lessons, parse_query, to_query};

#[test]
fn every_steps_numbers_are_its_presets_checked_claims() {
    let all = lessons();
    let names: Vec<&str> = all.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["vanishing", "article"]);
    assert_eq!(all[0].steps.len(), 6, "the vanishing-gradients lesson's six steps");
    for lesson in &all {
        for (i, step) in lesson.steps.iter().enumerate() {
            let at = format!("{} step {}", lesson.name, i + 1);
            let view = parse_query(&step.query);
            assert!(view.errors.is_empty(), "{at}: {:?}", view.errors);
            assert!(!step.claims.is_empty(), "{at}: a talking point ends in numbers");
            let sentences = step.point.split(". ").count();
            assert!(sentences <= 2 + step.claims.len(), "{at}: one or two sentences, then the numbers");
            for (preset, claim) in &step.claims {
                let p = find_preset(preset).unwrap_or_else(|| panic!("{at}: no preset {preset}"));
                assert!(p.claims.contains(claim), "{at}: {claim:?} is not a claim of {preset} (so no test trains it)");
                // The claim is about the preset's run: the step runs exactly its settings, on
                // its A side or its B side.
                let sides = std::iter::once(&view.config).chain(view.compare.as_ref());
                assert!(sides.into_iter().any(|c| *c == p.config), "{at}: the settings are not {preset}'s");
                assert!(step.point.ends_with('.') && step.point.contains(&claim.sentence()), "{at}");
            }
        }
    }
}

#[test]
fn lesson_links_open_any_step_and_follow_it() {
    let parsed = parse_query("lesson=vanishing&step=3&lecture=1");
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.config, find_preset("deep-sigmoid").unwrap().config);
    assert_eq!(parsed.view.as_deref(), Some("gradients"));
    let place = parsed.lesson.clone().unwrap();
    assert_eq!(place.step, 3);
    assert!(place.caption.starts_with("3 / 6 · Eight sigmoid layers"), "{}", place.caption);
    // Written back, the link names the lesson and the step.
    let query = to_query(&parsed);
    assert!(query.contains("lesson=vanishing&step=3"), "{query}");
    let again = parse_query(&query);
    assert_eq!((again.config, again.lesson.map(|l| l.step)), (parsed.config, Some(3)));
    // The article's first step compares the collapse with a healthy combination.
    let parsed = parse_query("lesson=article");
    let b = parsed.compare.expect("a B side");
    assert_eq!(b.acts, vec![Activation::Relu, Activation::Tanh, Activation::Tanh]);
    assert_eq!(parsed.lesson.unwrap().step, 1);
    // The link's own settings change the step's, like a preset's.
    assert_eq!(parse_query("lesson=vanishing&step=2&seed=9").config.seed, 9);
    assert_eq!(LessonPlace::at("vanishing", 99).map(|p| p.step), Some(6));
}

#[test]
fn a_lecturers_own_lesson_is_a_list_of_presets_checked_like_any_setting() {
    let parsed = parse_query("lesson=collapse,bn-last,deep-sigmoid&step=2");
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.config, find_preset("bn-last").unwrap().config);
    let place = parsed.lesson.unwrap();
    assert_eq!(place.lesson.steps.len(), 3);
    assert!(place.caption.starts_with("2 / 3 · BatchNorm on the last layer"), "{}", place.caption);
    // Unknown names, a step past the end, a step without a lesson: each named, the rest applies.
    let parsed = parse_query("lesson=collapse,bn-lats&seed=4");
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].field, "lesson");
    assert!(parsed.errors[0].message.contains("\"bn-lats\""), "{}", parsed.errors[0].message);
    assert_eq!(parsed.config.seed, 4);
    let parsed = parse_query("lesson=vanishing&step=9");
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].to_string(), "step: lesson \"vanishing\" has steps 1 to 6, got 9; step 6 opens");
    assert_eq!(parsed.lesson.unwrap().step, 6);
    assert_eq!(parse_query("step=2").errors[0].field, "step");
    assert_eq!(parse_query("lesson=vanishing&step=two").errors[0].field, "step");
    assert!(parse_query("lesson=nope").errors[0].message.starts_with("unknown lesson \"nope\""));
    assert!(find_lesson("").is_err());
}
