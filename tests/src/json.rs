//! Reading emitted JSON in assertions: the string fields of a list's items (as a list or as
//! (key, value) pairs) and the item with a given field. A missing list, field or item is a test
//! failure naming it.

use serde_json::Value as Json;

/// The items of `list` (a JSON array).
fn items(list: &Json) -> &[Json] {
    list.as_array()
        .map(Vec::as_slice)
        .unwrap_or_else(|| panic!("not a list: {list}"))
}

/// The string field `key` of `item`.
fn field<'a>(item: &'a Json, key: &str) -> &'a str {
    item[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string `{key}` in {item}"))
}

/// The string field `key` of every item of `list`, in order.
pub fn strings<'a>(list: &'a Json, key: &str) -> Vec<&'a str> {
    items(list).iter().map(|e| field(e, key)).collect()
}

/// The string fields (`key`, `value`) of every item of `list`, in order (e.g. an ECS container's
/// `environment` as `("name", "value")` or its `secrets` as `("name", "valueFrom")`).
pub fn pairs<'a>(list: &'a Json, key: &str, value: &str) -> Vec<(&'a str, &'a str)> {
    items(list)
        .iter()
        .map(|e| (field(e, key), field(e, value)))
        .collect()
}

/// The first item of `list` whose field `key` is the string `value`.
pub fn item<'a>(list: &'a Json, key: &str, value: &str) -> &'a Json {
    items(list)
        .iter()
        .find(|e| e[key] == value)
        .unwrap_or_else(|| panic!("no item with {key} = `{value}` in {list}"))
}

/// The first item of `list` that has the field `key`.
pub fn item_with<'a>(list: &'a Json, key: &str) -> &'a Json {
    items(list)
        .iter()
        .find(|e| e.get(key).is_some())
        .unwrap_or_else(|| panic!("no item with `{key}` in {list}"))
}
