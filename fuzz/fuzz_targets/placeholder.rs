//! Arbitrary text through the placeholder parser (`${metadata.…}`, `${resources.…}`, `$$`,
//! `$${`): no panic, and what parses prints back to text that parses to the same template.

#![no_main]

use libfuzzer_sys::fuzz_target;
use score_x_core::Template;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    for bare in [false, true] {
        if let Ok(t) = Template::parse_with(input, bare) {
            let printed = t.to_string();
            let again = Template::parse_with(&printed, bare).expect("a printed template parses");
            assert_eq!(again, t, "{input:?} printed as {printed:?}");
        }
    }
});
