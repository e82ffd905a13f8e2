//! Schema definitions: JSON form, builder, registry checks and validation of document data.

use aphex_core::Error;
use aphex_core::model::SchemaKind;
use aphex_core::schema::{FieldDef, FieldType, Rules, SchemaRegistry, SchemaTypeDef};
use serde_json::{Value, json};

const AUTHOR_ID: &str = "0b6f8e3a-2c4d-4e5f-8a9b-0c1d2e3f4a5b";

/// The failing fields of a validation error, as `(path, message)`.
fn failures(result: aphex_core::Result<impl std::fmt::Debug>) -> Vec<(String, String)> {
    match result {
        Err(Error::Validation(errors)) => errors
            .fields()
            .iter()
            .map(|e| (e.path.clone(), e.message.clone()))
            .collect(),
        other => panic!("expected Error::Validation, got {other:?}"),
    }
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(p, m)| ((*p).to_owned(), (*m).to_owned()))
        .collect()
}

/// The failing paths of a registry build.
fn registry_error_paths(defs: Vec<SchemaTypeDef>) -> Vec<String> {
    failures(SchemaRegistry::new(defs))
        .into_iter()
        .map(|(path, _)| path)
        .collect()
}

fn post_json() -> Value {
    json!({"name":"post","title":"Post","type":"document","description":null,
    "fields":[
      {"name":"title","title":"Title","type":"string","validation":{"required":true,"max":120}},
      {"name":"slug","type":"slug","validation":{"required":true}},
      {"name":"views","type":"number","validation":{"integer":true,"min":0}},
      {"name":"author","type":"reference","to":[{"type":"author"}]},
      {"name":"tags","type":"array","of":[{"type":"string"}],"validation":{"max":10}},
      {"name":"body","type":"array","of":[{"type":"block"},{"type":"image"}]},
      {"name":"seo","type":"seo"},
      {"name":"address","type":"object","fields":[{"name":"city","type":"string"}]}
    ]})
}

fn post_builder() -> SchemaTypeDef {
    SchemaTypeDef::document("post", "Post")
        .field(
            FieldDef::string("title")
                .title("Title")
                .required()
                .max(120.0),
        )
        .field(FieldDef::slug("slug").required())
        .field(FieldDef::number("views").integer().min(0.0))
        .field(FieldDef::reference("author", ["author"]))
        .field(FieldDef::array("tags", [FieldType::String]).max(10.0))
        .field(FieldDef::array(
            "body",
            [FieldType::Block, FieldType::Image],
        ))
        .field(FieldDef::named("seo", "seo"))
        .field(FieldDef::object("address", [FieldDef::string("city")]))
}

fn seo() -> SchemaTypeDef {
    SchemaTypeDef::object("seo", "SEO")
        .field(FieldDef::string("title").required().max(60.0))
        .field(FieldDef::text("description"))
}

fn author() -> SchemaTypeDef {
    SchemaTypeDef::document("author", "Author").field(FieldDef::string("name").required())
}

fn blog() -> SchemaRegistry {
    SchemaRegistry::new(vec![post_builder(), seo(), author()]).expect("valid blog schema")
}

fn valid_post() -> Value {
    json!({
        "_type": "post",
        "title": "Hello, world",
        "slug": {"_type": "slug", "current": "hello-world"},
        "views": 3,
        "author": {"_type": "reference", "_ref": AUTHOR_ID},
        "tags": ["rust", "cms"],
        "body": [
            {"_type": "block", "_key": "a", "children": [{"_type": "span", "text": "Hi"}]},
            {"_type": "image", "_key": "b", "asset": {"_type": "reference", "_ref": AUTHOR_ID}}
        ],
        "seo": {"title": "Hello"},
        "address": {"city": "Oslo"},
        "legacyField": 42
    })
}

/// A registry with one document type `t` holding `field`, and the result of validating `value`
/// as that field.
fn check(field: FieldDef, value: Value) -> Vec<(String, String)> {
    let name = field.name.clone();
    let registry = SchemaRegistry::new(vec![SchemaTypeDef::document("t", "T").field(field)])
        .expect("valid test type");
    match registry.validate("t", &json!({ name: value })) {
        Ok(()) => Vec::new(),
        err => failures(err),
    }
}

/// Messages only, for single-field checks.
fn messages(field: FieldDef, value: Value) -> Vec<String> {
    check(field, value).into_iter().map(|(_, m)| m).collect()
}

// ---- JSON form and builder ----------------------------------------------------------------

#[test]
fn json_form_round_trips_exactly() {
    let json = post_json();
    let def = SchemaTypeDef::from_json(&json).expect("valid definition");
    assert_eq!(def.to_json(), json);
    assert_eq!(
        SchemaTypeDef::from_json(&def.to_json()).expect("again"),
        def
    );
}

#[test]
fn rich_definition_round_trips_through_serde() {
    let def = SchemaTypeDef::object("gallery", "Gallery")
        .description("Images with captions")
        .field(
            FieldDef::string("code")
                .title("Code")
                .description("Upper-case code")
                .required()
                .min(2.0)
                .max(8.5)
                .length(4)
                .regex("^[A-Z]+$"),
        )
        .field(FieldDef::string("contact").email())
        .field(FieldDef::string("homepage").uri())
        .field(FieldDef::number("rating").integer().min(-1.5))
        .field(FieldDef::boolean("featured"))
        .field(FieldDef::date("day"))
        .field(FieldDef::datetime("at"))
        .field(FieldDef::url("link"))
        .field(FieldDef::text("notes"))
        .field(FieldDef::block("intro"))
        .field(FieldDef::image("cover"))
        .field(FieldDef::file("attachment"))
        .field(FieldDef::reference("related", ["post", "page"]))
        .field(FieldDef::array(
            "items",
            [
                FieldType::Named("captioned".into()),
                FieldType::Reference {
                    to: vec!["post".into()],
                },
                FieldType::Array {
                    of: vec![FieldType::Number.into()],
                },
                FieldType::Object {
                    fields: vec![FieldDef::string("x").required()],
                },
            ],
        ))
        .field(FieldDef::object(
            "nested",
            [FieldDef::object(
                "inner",
                [FieldDef::slug("deep").length(3)],
            )],
        ));
    let text = serde_json::to_string(&def).expect("serialise");
    let back: SchemaTypeDef = serde_json::from_str(&text).expect("deserialise");
    assert_eq!(back, def);
    assert_eq!(
        SchemaTypeDef::from_json(&def.to_json()).expect("parse"),
        def
    );

    let json = def.to_json();
    assert_eq!(json["description"], "Images with captions");
    assert_eq!(
        json["fields"][0]["validation"],
        json!({"required": true, "min": 2, "max": 8.5, "length": 4, "regex": "^[A-Z]+$"})
    );
    assert_eq!(
        json["fields"][13]["of"],
        json!([
            {"type": "captioned"},
            {"type": "reference", "to": [{"type": "post"}]},
            {"type": "array", "of": [{"type": "number"}]},
            {"type": "object", "fields": [{"name": "x", "type": "string", "validation": {"required": true}}]}
        ])
    );

    let rules: Rules = serde_json::from_value(json!({"email": true})).expect("rules");
    assert_eq!(
        serde_json::to_value(&rules).expect("rules json"),
        json!({"email": true})
    );
    let member: FieldType =
        serde_json::from_value(json!({"type": "reference", "to": [{"type": "a"}]}))
            .expect("member");
    assert_eq!(
        member,
        FieldType::Reference {
            to: vec!["a".into()]
        }
    );
}

#[test]
fn builder_matches_the_json_form() {
    let built = post_builder();
    assert_eq!(built.to_json(), post_json());
    assert_eq!(
        SchemaTypeDef::from_json(&post_json()).expect("parse"),
        built
    );
    assert_eq!(built.kind, SchemaKind::Document);
    assert_eq!(SchemaTypeDef::object("seo", "SEO").kind, SchemaKind::Object);
}

#[test]
fn unknown_type_strings_are_named_types() {
    let field = FieldDef::from_json(&json!({"name": "seo", "type": "seo"})).expect("field");
    assert_eq!(field.field_type, FieldType::Named("seo".into()));
    assert!(field.rules.is_default());
    assert_eq!(field.to_json(), json!({"name": "seo", "type": "seo"}));
}

#[test]
fn malformed_json_names_the_bad_part() {
    assert_eq!(
        failures(SchemaTypeDef::from_json(&json!(["not", "an", "object"]))),
        pairs(&[("", "must be a schema definition object")])
    );
    let errs = failures(SchemaTypeDef::from_json(&json!({
        "name": "post", "type": "page", "description": 3,
        "fields": [
            {"name": "title", "type": "string", "validation": {"required": "yes", "max": 1}},
            {"name": "author", "type": "reference", "to": ["author"]},
            {"name": "tags", "type": "array", "of": [{"name": "x", "type": 7}]},
            {"name": "blank", "type": ""},
            "oops"
        ]
    })));
    assert_eq!(
        errs,
        pairs(&[
            ("post.title", "is required"),
            ("post.type", "must be \"document\" or \"object\""),
            ("post.description", "must be a string or null"),
            ("post.fields.title.validation.required", "must be a boolean"),
            (
                "post.fields.author.to[0]",
                "must be an object with a `type`"
            ),
            ("post.fields.tags.of[0].type", "must be a string"),
            ("post.fields.blank.type", "must not be empty"),
            ("post.fields[4]", "must be a field object"),
        ])
    );
}

// ---- registry checks (one test per check) ---------------------------------------------------

#[test]
fn registry_accepts_a_valid_set_and_orders_types_by_name() {
    let registry = blog();
    let names: Vec<&str> = registry.types().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["author", "post", "seo"]);
    assert!(registry.get("seo").is_some());
    assert!(registry.document_type("post").is_some());
    assert!(
        registry.document_type("seo").is_none(),
        "seo is an object type"
    );
    assert!(registry.get("missing").is_none());
    assert_eq!(SchemaRegistry::default().types().count(), 0);
}

#[test]
fn rejects_bad_type_names() {
    assert_eq!(
        registry_error_paths(vec![SchemaTypeDef::document("blog-post", "Post")]),
        ["blog-post.name"]
    );
    assert_eq!(
        registry_error_paths(vec![SchemaTypeDef::document("1post", "Post")]),
        ["1post.name"]
    );
    assert_eq!(
        registry_error_paths(vec![SchemaTypeDef::document("", "Post")]),
        ["name"]
    );
}

#[test]
fn rejects_too_long_type_names() {
    let ok = "a".repeat(100);
    assert!(SchemaRegistry::new(vec![SchemaTypeDef::document(ok, "T")]).is_ok());
    let long = "a".repeat(101);
    assert_eq!(
        failures(SchemaRegistry::new(vec![SchemaTypeDef::document(
            long.clone(),
            "T"
        )])),
        pairs(&[(&format!("{long}.name"), "must be at most 100 characters")])
    );
}

#[test]
fn rejects_built_in_type_names() {
    assert_eq!(
        registry_error_paths(vec![SchemaTypeDef::object("image", "Image")]),
        ["image.name"]
    );
}

#[test]
fn rejects_empty_and_too_long_titles() {
    assert_eq!(
        registry_error_paths(vec![SchemaTypeDef::document("post", "  ")]),
        ["post.title"]
    );
    // 200 characters is fine even when they are multi-byte
    assert!(SchemaRegistry::new(vec![SchemaTypeDef::document("post", "é".repeat(200))]).is_ok());
    assert_eq!(
        registry_error_paths(vec![SchemaTypeDef::document("post", "é".repeat(201))]),
        ["post.title"]
    );
}

#[test]
fn rejects_duplicate_type_names() {
    assert_eq!(
        failures(SchemaRegistry::new(vec![author(), author()])),
        pairs(&[("author", "duplicate type name `author`")])
    );
}

#[test]
fn rejects_bad_field_names() {
    let def = SchemaTypeDef::document("post", "Post")
        .field(FieldDef::string("sub title"))
        .field(FieldDef::object("meta", [FieldDef::string("x-y")]));
    assert_eq!(
        registry_error_paths(vec![def]),
        [
            "post.fields.sub title.name",
            "post.fields.meta.fields.x-y.name"
        ]
    );
}

#[test]
fn rejects_duplicate_field_names_per_level() {
    let def = SchemaTypeDef::document("post", "Post")
        .field(FieldDef::string("title"))
        .field(FieldDef::text("title"))
        // the same name on another level is fine
        .field(FieldDef::object(
            "meta",
            [
                FieldDef::string("title"),
                FieldDef::number("n"),
                FieldDef::boolean("n"),
            ],
        ));
    assert_eq!(
        failures(SchemaRegistry::new(vec![def])),
        pairs(&[
            ("post.fields.title", "duplicate field name `title`"),
            ("post.fields.meta.fields.n", "duplicate field name `n`"),
        ])
    );
}

#[test]
fn rejects_regexes_that_do_not_compile() {
    let def = SchemaTypeDef::document("post", "Post").field(FieldDef::string("title").regex("(a"));
    let errs = failures(SchemaRegistry::new(vec![def]));
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].0, "post.fields.title.validation.regex");
    assert!(
        errs[0].1.starts_with("is not a valid regular expression"),
        "{}",
        errs[0].1
    );
    assert!(!errs[0].1.contains('\n'), "one line: {}", errs[0].1);
}

#[test]
fn rejects_min_greater_than_max_and_non_finite_limits() {
    let def = SchemaTypeDef::document("post", "Post")
        .field(FieldDef::number("n").min(5.0).max(4.0))
        .field(FieldDef::number("equal").min(4.0).max(4.0))
        .field(FieldDef::number("nan").min(f64::NAN))
        .field(FieldDef::number("inf").max(f64::INFINITY));
    assert_eq!(
        registry_error_paths(vec![def]),
        [
            "post.fields.n.validation.min",
            "post.fields.nan.validation.min",
            "post.fields.inf.validation.max",
        ]
    );
}

#[test]
fn rejects_named_types_that_are_not_registered_object_types() {
    let def = SchemaTypeDef::document("post", "Post")
        .field(FieldDef::named("seo", "seo"))
        .field(FieldDef::named("writer", "author"))
        .field(FieldDef::array("blocks", [FieldType::Named("cta".into())]));
    assert_eq!(
        failures(SchemaRegistry::new(vec![def, author()])),
        pairs(&[
            ("post.fields.seo.type", "unknown object type `seo`"),
            (
                "post.fields.writer.type",
                "`author` is a document type; use a reference to embed it"
            ),
            ("post.fields.blocks.of[0].type", "unknown object type `cta`"),
        ])
    );
}

#[test]
fn rejects_references_to_non_document_types_and_empty_targets() {
    let def = SchemaTypeDef::document("post", "Post")
        .field(FieldDef::reference("a", ["author", "seo", "ghost"]))
        .field(FieldDef::reference("b", Vec::<String>::new()));
    assert_eq!(
        failures(SchemaRegistry::new(vec![def, author(), seo()])),
        pairs(&[
            (
                "post.fields.a.to[1]",
                "`seo` is an object type, not a document type"
            ),
            ("post.fields.a.to[2]", "unknown document type `ghost`"),
            ("post.fields.b.to", "must name at least one document type"),
        ])
    );
}

#[test]
fn rejects_arrays_without_members_or_with_duplicate_members() {
    let def = SchemaTypeDef::document("post", "Post")
        .field(FieldDef::array("empty", Vec::<FieldType>::new()))
        .field(FieldDef::array(
            "twice",
            [FieldType::String, FieldType::Image, FieldType::String],
        ));
    assert_eq!(
        failures(SchemaRegistry::new(vec![def])),
        pairs(&[
            (
                "post.fields.empty.of",
                "must allow at least one member type"
            ),
            ("post.fields.twice.of[2]", "duplicate member type `string`"),
        ])
    );
}

#[test]
fn rejects_object_types_that_embed_themselves() {
    let direct = SchemaTypeDef::object("node", "Node").field(FieldDef::named("child", "node"));
    assert_eq!(
        failures(SchemaRegistry::new(vec![direct])),
        pairs(&[(
            "node.fields.child.type",
            "object types embed each other: node -> node"
        )])
    );

    // a -> b (inside an inline object) -> c (inside an array) -> a
    let a = SchemaTypeDef::object("a", "A")
        .field(FieldDef::object("wrap", [FieldDef::named("b", "b")]));
    let b = SchemaTypeDef::object("b", "B")
        .field(FieldDef::array("cs", [FieldType::Named("c".into())]));
    let c = SchemaTypeDef::object("c", "C").field(FieldDef::named("a", "a"));
    let doc = SchemaTypeDef::document("page", "Page").field(FieldDef::named("a", "a"));
    assert_eq!(
        failures(SchemaRegistry::new(vec![doc, c, b, a])),
        pairs(&[(
            "c.fields.a.type",
            "object types embed each other: a -> b -> c -> a"
        )])
    );

    // sharing an object type in several places is not a cycle
    let shared = SchemaTypeDef::object("x", "X").field(FieldDef::string("s"));
    let user = SchemaTypeDef::object("y", "Y")
        .field(FieldDef::named("one", "x"))
        .field(FieldDef::named("two", "x"));
    let doc = SchemaTypeDef::document("d", "D")
        .field(FieldDef::named("x", "x"))
        .field(FieldDef::named("y", "y"));
    assert!(SchemaRegistry::new(vec![shared, user, doc]).is_ok());
}

#[test]
fn registry_collects_every_problem_at_once() {
    let def = SchemaTypeDef::document("post", "")
        .field(FieldDef::string("title").regex("["))
        .field(FieldDef::named("seo", "seo"));
    assert_eq!(
        registry_error_paths(vec![def]),
        [
            "post.title",
            "post.fields.title.validation.regex",
            "post.fields.seo.type"
        ]
    );
}

#[test]
fn with_adds_or_replaces_and_rechecks() {
    let registry = blog();
    let replaced = registry
        .with(SchemaTypeDef::document("post", "Article"))
        .expect("replace");
    assert_eq!(
        replaced.get("post").map(|d| d.title.as_str()),
        Some("Article")
    );
    assert_eq!(
        registry.get("post").map(|d| d.title.as_str()),
        Some("Post"),
        "original kept"
    );

    let added = registry
        .with(SchemaTypeDef::document("page", "Page").field(FieldDef::named("seo", "seo")))
        .expect("add");
    assert_eq!(added.types().count(), 4);

    // turning `author` into an object type breaks post.author
    assert_eq!(
        failures(registry.with(SchemaTypeDef::object("author", "Author"))),
        pairs(&[(
            "post.fields.author.to[0]",
            "`author` is an object type, not a document type"
        )])
    );
    assert!(
        registry
            .with(SchemaTypeDef::document("bad name", "X"))
            .is_err()
    );
}

#[test]
fn without_removes_only_unused_types() {
    let registry = blog();
    assert_eq!(
        failures(registry.without("seo")),
        pairs(&[("post.fields.seo.type", "unknown object type `seo`")])
    );
    assert_eq!(
        failures(registry.without("author")),
        pairs(&[("post.fields.author.to[0]", "unknown document type `author`")])
    );
    let without_post = registry.without("post").expect("nothing uses post");
    assert!(without_post.get("post").is_none());
    let without_seo = without_post.without("seo").expect("now unused");
    assert_eq!(without_seo.types().count(), 1);
    assert_eq!(
        registry.without("missing").expect("no-op").types().count(),
        3
    );
}

// ---- validation ---------------------------------------------------------------------------

#[test]
fn a_valid_post_passes() {
    blog().validate("post", &valid_post()).expect("valid post");
    // optional fields may be missing or null
    blog()
        .validate(
            "post",
            &json!({"title": "T", "slug": {"current": "t"}, "views": null, "seo": null}),
        )
        .expect("minimal post");
}

#[test]
fn every_problem_is_reported_with_its_path() {
    let data = json!({
        "title": "x".repeat(121),
        "slug": {"_type": "slug", "current": ""},
        "views": 2.5,
        "author": {"_type": "ref", "_ref": "not-a-uuid"},
        "tags": ["ok", 7, "fine", null, "a", "b", "c", "d", "e", "f", "g"],
        "body": [
            {"_type": "block"},
            {"_type": "image", "asset": {"_ref": "x"}},
            {"_type": "video"},
            "text"
        ],
        "seo": {"description": 5},
        "address": {"city": ["Oslo"]}
    });
    assert_eq!(
        failures(blog().validate("post", &data)),
        pairs(&[
            ("title", "must be at most 120 characters"),
            ("slug", "is required"),
            ("views", "must be an integer"),
            ("author._type", "must be \"reference\""),
            ("author._ref", "must be a lowercase hyphenated UUID"),
            ("tags", "must have at most 10 items"),
            ("tags[1]", "expected a string"),
            ("tags[3]", "must not be null"),
            ("body[1].asset._ref", "must be a lowercase hyphenated UUID"),
            (
                "body[2]",
                "type `video` is not allowed here (allowed: block, image)"
            ),
            ("body[3]", "expected one of: block, image"),
            ("seo.title", "is required"),
            ("seo.description", "expected a string"),
            ("address.city", "expected a string"),
        ])
    );
}

#[test]
fn data_must_be_an_object() {
    for data in [json!([]), json!("post"), json!(null), json!(1)] {
        assert_eq!(
            failures(blog().validate("post", &data)),
            pairs(&[("", "data must be an object")])
        );
    }
}

#[test]
fn unknown_type_is_a_validation_error_at_type() {
    assert_eq!(
        failures(blog().validate("nope", &json!({}))),
        pairs(&[("type", "unknown schema type `nope`")])
    );
}

#[test]
fn required_treats_null_empty_string_and_empty_array_as_missing() {
    let required = || FieldDef::string("s").required();
    assert_eq!(messages(required(), json!(null)), ["is required"]);
    assert_eq!(messages(required(), json!("")), ["is required"]);
    assert!(messages(required(), json!(" ")).is_empty());
    assert_eq!(
        messages(
            FieldDef::array("a", [FieldType::String]).required(),
            json!([])
        ),
        ["is required"]
    );
    // missing altogether
    let registry = SchemaRegistry::new(vec![SchemaTypeDef::document("t", "T").field(required())])
        .expect("valid");
    assert_eq!(
        failures(registry.validate("t", &json!({}))),
        pairs(&[("s", "is required")])
    );
    // not required: an empty string is still checked by the other rules
    assert_eq!(
        messages(FieldDef::string("s").min(1.0), json!("")),
        ["must be at least 1 character"]
    );
    assert!(messages(FieldDef::string("s").min(1.0), json!(null)).is_empty());
}

#[test]
fn string_length_rules_count_characters_not_bytes() {
    // "héllo" is 5 characters and 6 bytes
    let min = || FieldDef::string("s").min(5.0);
    assert!(messages(min(), json!("héllo")).is_empty());
    assert_eq!(
        messages(min(), json!("héll")),
        ["must be at least 5 characters"]
    );
    assert!(messages(min(), json!("héllo!")).is_empty());

    let max = || FieldDef::string("s").max(5.0);
    assert!(messages(max(), json!("héll")).is_empty());
    assert!(messages(max(), json!("héllo")).is_empty());
    assert_eq!(
        messages(max(), json!("héllo!")),
        ["must be at most 5 characters"]
    );

    let length = || FieldDef::text("s").length(5);
    assert_eq!(
        messages(length(), json!("héll")),
        ["must be exactly 5 characters"]
    );
    assert!(messages(length(), json!("héllo")).is_empty());
    assert_eq!(
        messages(length(), json!("héllo!")),
        ["must be exactly 5 characters"]
    );
    assert_eq!(
        messages(FieldDef::string("s").max(1.0), json!("éé")),
        ["must be at most 1 character"]
    );
}

#[test]
fn number_rules_at_below_and_above_their_limits() {
    let range = || FieldDef::number("n").min(0.0).max(10.5);
    assert_eq!(messages(range(), json!(-0.1)), ["must be at least 0"]);
    assert!(messages(range(), json!(0)).is_empty());
    assert!(messages(range(), json!(5)).is_empty());
    assert!(messages(range(), json!(10.5)).is_empty());
    assert_eq!(messages(range(), json!(10.6)), ["must be at most 10.5"]);

    let integer = || FieldDef::number("n").integer();
    assert!(messages(integer(), json!(3)).is_empty());
    assert!(messages(integer(), json!(-3)).is_empty());
    assert!(messages(integer(), json!(3.0)).is_empty());
    assert!(messages(integer(), json!(u64::MAX)).is_empty());
    assert_eq!(messages(integer(), json!(3.5)), ["must be an integer"]);
    assert_eq!(messages(integer(), json!("3")), ["expected a number"]);
}

#[test]
fn array_count_rules_at_below_and_above_their_limits() {
    let min = || FieldDef::array("a", [FieldType::Number]).min(1.0);
    assert_eq!(messages(min(), json!([])), ["must have at least 1 item"]);
    assert!(messages(min(), json!([1])).is_empty());

    let max = || FieldDef::array("a", [FieldType::Number]).max(2.0);
    assert!(messages(max(), json!([1, 2])).is_empty());
    assert_eq!(
        messages(max(), json!([1, 2, 3])),
        ["must have at most 2 items"]
    );

    let length = || FieldDef::array("a", [FieldType::Number]).length(2);
    assert_eq!(
        messages(length(), json!([1])),
        ["must have exactly 2 items"]
    );
    assert!(messages(length(), json!([1, 2])).is_empty());
    assert_eq!(
        messages(length(), json!([1, 2, 3])),
        ["must have exactly 2 items"]
    );
}

#[test]
fn regex_uses_search_semantics() {
    let anchored = || FieldDef::string("s").regex("^[a-z-]+$");
    assert!(messages(anchored(), json!("hello-world")).is_empty());
    assert_eq!(
        messages(anchored(), json!("Hello")),
        ["does not match pattern ^[a-z-]+$"]
    );
    // unanchored: a match anywhere is enough, like RegExp.test
    assert!(messages(FieldDef::string("s").regex("[0-9]"), json!("abc1def")).is_empty());
    assert_eq!(
        messages(FieldDef::string("s").regex("[0-9]"), json!("abcdef")),
        ["does not match pattern [0-9]"]
    );
    // the same pattern on several fields is compiled once and used by all
    let registry = SchemaRegistry::new(vec![
        SchemaTypeDef::document("t", "T")
            .field(FieldDef::string("a").regex("^x"))
            .field(FieldDef::object("o", [FieldDef::string("b").regex("^x")])),
    ])
    .expect("valid");
    assert_eq!(
        failures(registry.validate("t", &json!({"a": "y", "o": {"b": "y"}}))),
        pairs(&[
            ("a", "does not match pattern ^x"),
            ("o.b", "does not match pattern ^x"),
        ])
    );
}

#[test]
fn email_uri_and_url_rules() {
    let email = || FieldDef::string("e").email();
    assert!(messages(email(), json!("ada@example.com")).is_empty());
    for bad in [
        "ada",
        "ada@example",
        "a b@example.com",
        "@example.com",
        "a@b@c.com",
    ] {
        assert_eq!(
            messages(email(), json!(bad)),
            ["must be a valid email address"],
            "{bad}"
        );
    }

    let uri = || FieldDef::string("u").uri();
    assert!(messages(uri(), json!("https://example.com/a?b=c")).is_empty());
    assert!(messages(uri(), json!("mailto:ada@example.com")).is_empty());
    for bad in ["example.com", "/path", "https:", "https://exa mple.com"] {
        assert_eq!(
            messages(uri(), json!(bad)),
            ["must be an absolute URI (scheme:...)"],
            "{bad}"
        );
    }

    // the url type implies uri
    assert!(messages(FieldDef::url("u"), json!("https://example.com")).is_empty());
    assert_eq!(
        messages(FieldDef::url("u"), json!("example.com")),
        ["must be an absolute URI (scheme:...)"]
    );
    assert_eq!(
        messages(FieldDef::url("u"), json!(1)),
        ["expected a string"]
    );
}

#[test]
fn several_failing_rules_on_one_value_are_each_reported() {
    assert_eq!(
        messages(
            FieldDef::string("s").max(3.0).regex("^[a-z]+$").email(),
            json!("ABCD")
        ),
        [
            "must be at most 3 characters",
            "does not match pattern ^[a-z]+$",
            "must be a valid email address"
        ]
    );
}

#[test]
fn type_checks_of_every_field_type() {
    let cases: Vec<(FieldDef, Value, Value, &str)> = vec![
        (
            FieldDef::string("v"),
            json!("s"),
            json!(1),
            "expected a string",
        ),
        (
            FieldDef::text("v"),
            json!("a\nb"),
            json!(true),
            "expected a string",
        ),
        (
            FieldDef::number("v"),
            json!(1.5),
            json!("1.5"),
            "expected a number",
        ),
        (
            FieldDef::boolean("v"),
            json!(false),
            json!("false"),
            "expected a boolean",
        ),
        (
            FieldDef::date("v"),
            json!("2024-02-29"),
            json!("2023-02-29"),
            "expected a date (YYYY-MM-DD)",
        ),
        (
            FieldDef::date("v"),
            json!("2024-02-29"),
            json!("2024-2-9"),
            "expected a date (YYYY-MM-DD)",
        ),
        (
            FieldDef::datetime("v"),
            json!("2024-02-29T10:00:00.123Z"),
            json!("2024-02-29"),
            "expected an RFC 3339 datetime",
        ),
        (
            FieldDef::datetime("v"),
            json!("2024-02-29T10:00:00+02:00"),
            json!(1_709_200_800),
            "expected an RFC 3339 datetime",
        ),
        (
            FieldDef::slug("v"),
            json!({"_type": "slug", "current": "a"}),
            json!("a"),
            "expected a slug object with a string `current`",
        ),
        (
            FieldDef::slug("v"),
            json!({"current": "a"}),
            json!({"_type": "slug"}),
            "expected a slug object with a string `current`",
        ),
        (
            FieldDef::reference("v", ["t"]),
            json!({"_ref": AUTHOR_ID}),
            json!(AUTHOR_ID),
            "expected a reference object",
        ),
        (
            FieldDef::image("v"),
            json!({}),
            json!("img.png"),
            "expected an image object",
        ),
        (
            FieldDef::file("v"),
            json!({"asset": null}),
            json!([]),
            "expected a file object",
        ),
        (
            FieldDef::block("v"),
            json!({"children": []}),
            json!("text"),
            "expected a block object",
        ),
        (
            FieldDef::array("v", [FieldType::String]),
            json!([]),
            json!({}),
            "expected an array",
        ),
        (
            FieldDef::object("v", [FieldDef::string("x")]),
            json!({}),
            json!([]),
            "expected an object",
        ),
    ];
    for (field, good, bad, message) in cases {
        let label = format!("{:?} / {bad}", field.field_type);
        assert!(
            check(field.clone(), good.clone()).is_empty(),
            "{label}: {good} must pass"
        );
        assert_eq!(check(field, bad), pairs(&[("v", message)]), "{label}");
    }
}

#[test]
fn reference_and_asset_details() {
    let r = || FieldDef::reference("r", ["t"]);
    assert_eq!(
        check(
            r(),
            json!({"_type": "reference", "_ref": AUTHOR_ID.to_uppercase()})
        ),
        pairs(&[("r._ref", "must be a lowercase hyphenated UUID")])
    );
    assert_eq!(
        check(r(), json!({"_type": "reference"})),
        pairs(&[("r._ref", "must be a lowercase hyphenated UUID")])
    );
    assert_eq!(
        check(FieldDef::image("i"), json!({"_type": "file", "asset": "x"})),
        pairs(&[
            ("i._type", "must be \"image\""),
            ("i.asset", "expected a reference object")
        ])
    );
    assert!(
        check(
            FieldDef::file("f"),
            json!({"_type": "file", "asset": {"_type": "reference", "_ref": AUTHOR_ID}})
        )
        .is_empty()
    );
}

#[test]
fn slug_rules_apply_to_current() {
    let slug = || FieldDef::slug("s").regex("^[a-z0-9-]+$").max(5.0);
    assert!(check(slug(), json!({"_type": "slug", "current": "a-b"})).is_empty());
    assert_eq!(
        check(slug(), json!({"_type": "slug", "current": "Ab cdef"})),
        pairs(&[
            ("s", "must be at most 5 characters"),
            ("s", "does not match pattern ^[a-z0-9-]+$"),
        ])
    );
    assert_eq!(
        check(slug(), json!({"_type": "sluggish", "current": "ab"})),
        pairs(&[("s._type", "must be \"slug\"")])
    );
}

#[test]
fn nested_objects_and_named_types_are_validated_recursively() {
    let address = SchemaTypeDef::object("address", "Address")
        .field(FieldDef::string("city").required())
        .field(FieldDef::object(
            "geo",
            [
                FieldDef::number("lat").min(-90.0).max(90.0),
                FieldDef::number("lng").min(-180.0).max(180.0),
            ],
        ));
    let company = SchemaTypeDef::document("company", "Company")
        .field(FieldDef::named("hq", "address").required())
        .field(FieldDef::object(
            "contact",
            [
                FieldDef::string("email").email().required(),
                FieldDef::named("office", "address"),
            ],
        ));
    let registry = SchemaRegistry::new(vec![address, company]).expect("valid");

    registry
        .validate(
            "company",
            &json!({"hq": {"_type": "address", "city": "Oslo", "geo": {"lat": 59.9, "lng": 10.7}},
                    "contact": {"email": "a@b.no"}}),
        )
        .expect("valid company");

    assert_eq!(
        failures(registry.validate(
            "company",
            &json!({
                "hq": {"_type": "place", "geo": {"lat": 91, "lng": -181}},
                "contact": {"office": {"city": ""}, "extra": true}
            })
        )),
        pairs(&[
            ("hq._type", "must be \"address\""),
            ("hq.city", "is required"),
            ("hq.geo.lat", "must be at most 90"),
            ("hq.geo.lng", "must be at least -180"),
            ("contact.email", "is required"),
            ("contact.office.city", "is required"),
        ])
    );
    assert_eq!(
        failures(registry.validate("company", &json!({"hq": "Oslo"}))),
        pairs(&[("hq", "expected an object of type `address`")])
    );
}

#[test]
fn arrays_of_mixed_members_pick_by_type_tag() {
    let captioned = SchemaTypeDef::object("captioned", "Captioned image")
        .field(FieldDef::image("image").required())
        .field(FieldDef::string("alt").required().max(20.0));
    let page = SchemaTypeDef::document("page", "Page").field(FieldDef::array(
        "body",
        [
            FieldType::Block,
            FieldType::Named("captioned".into()),
            FieldType::Reference {
                to: vec!["page".into()],
            },
            FieldType::String,
            FieldType::Number,
        ],
    ));
    let registry = SchemaRegistry::new(vec![captioned, page]).expect("valid");
    let image = json!({"_type": "image", "asset": {"_type": "reference", "_ref": AUTHOR_ID}});

    registry
        .validate(
            "page",
            &json!({"body": [
                {"_type": "block", "children": []},
                {"_type": "captioned", "image": image, "alt": "A cat"},
                {"_type": "reference", "_ref": AUTHOR_ID},
                "plain text",
                42,
                {"children": []}
            ]}),
        )
        .expect("valid body");

    assert_eq!(
        failures(registry.validate(
            "page",
            &json!({"body": [
                {"_type": "captioned", "image": image},
                {"_type": "captioned", "image": {"_type": "image"}, "alt": "x".repeat(21)},
                {"_type": "reference", "_ref": "nope"},
                {"_type": "image"},
                true,
                ["nested"]
            ]})
        )),
        pairs(&[
            ("body[0].alt", "is required"),
            ("body[1].alt", "must be at most 20 characters"),
            ("body[2]._ref", "must be a lowercase hyphenated UUID"),
            (
                "body[3]",
                "type `image` is not allowed here (allowed: block, captioned, reference, string, number)"
            ),
            (
                "body[4]",
                "expected one of: block, captioned, reference, string, number"
            ),
            (
                "body[5]",
                "expected one of: block, captioned, reference, string, number"
            ),
        ])
    );
}

#[test]
fn inline_object_members_accept_any_type_tag_and_nested_arrays_work() {
    let def = SchemaTypeDef::document("t", "T").field(FieldDef::array(
        "rows",
        [
            FieldType::Array {
                of: vec![FieldType::Number.into()],
            },
            FieldType::Object {
                fields: vec![FieldDef::string("label").required()],
            },
        ],
    ));
    let registry = SchemaRegistry::new(vec![def]).expect("valid");
    registry
        .validate(
            "t",
            &json!({"rows": [[1, 2], {"_type": "row", "label": "x"}]}),
        )
        .expect("valid");
    assert_eq!(
        failures(registry.validate(
            "t",
            &json!({"rows": [[1, "2"], {"_type": "row"}, {"label": 3}]})
        )),
        pairs(&[
            ("rows[0][1]", "expected a number"),
            ("rows[1].label", "is required"),
            ("rows[2].label", "expected a string"),
        ])
    );
}

#[test]
fn validation_errors_display_every_field() {
    let err = blog()
        .validate("post", &json!({"slug": 1}))
        .expect_err("invalid");
    assert_eq!(
        err.to_string(),
        "validation failed: title: is required; slug: expected a slug object with a string `current`"
    );
}

#[test]
fn index_and_unique_declarations_in_json_and_the_registry() {
    use aphex_core::query::{IndexKind, JsonColumn};
    use aphex_core::schema::IndexScope;

    let stored = json!({
        "name": "page", "title": "Page", "type": "document", "description": null,
        "fields": [
            {"name": "slug", "type": "slug", "unique": true},
            {"name": "views", "type": "number", "index": "draft"},
            {"name": "code", "type": "string", "unique": "published", "index": true},
            {"name": "author", "type": "reference", "to": [{"type": "page"}], "index": false},
            {"name": "seo", "type": "seo"}
        ]
    });
    let seo = SchemaTypeDef::object("seo", "SEO").field(FieldDef::string("key").index());
    let page = SchemaTypeDef::from_json(&stored).expect("parses");
    assert_eq!(page.fields[0].unique, Some(IndexScope::Both));
    assert_eq!(page.fields[1].index, Some(IndexScope::Draft));
    assert_eq!(page.fields[3].index, None, "false is no index");
    let mut written = stored.clone();
    written["fields"][3]
        .as_object_mut()
        .expect("object")
        .remove("index");
    assert_eq!(page.to_json(), written, "false is not written back");
    assert_eq!(
        page.fields[0].to_json(),
        FieldDef::slug("slug").unique().to_json()
    );

    let registry = SchemaRegistry::new(vec![seo, page]).expect("valid");
    let mut got: Vec<(String, JsonColumn, IndexKind, bool)> = registry
        .field_indexes()
        .iter()
        .map(|i| (i.field(), i.column, i.kind, i.unique))
        .collect();
    got.sort_by_key(|g| format!("{g:?}"));
    let mut want = vec![
        (
            "slug.current".into(),
            JsonColumn::DraftData,
            IndexKind::Text,
            true,
        ),
        (
            "slug.current".into(),
            JsonColumn::PublishedData,
            IndexKind::Text,
            true,
        ),
        (
            "views".into(),
            JsonColumn::DraftData,
            IndexKind::Number,
            false,
        ),
        // unique among published copies, a plain index among drafts
        ("code".into(), JsonColumn::DraftData, IndexKind::Text, false),
        (
            "code".into(),
            JsonColumn::PublishedData,
            IndexKind::Text,
            true,
        ),
        // through the named object type
        (
            "seo.key".into(),
            JsonColumn::DraftData,
            IndexKind::Text,
            false,
        ),
        (
            "seo.key".into(),
            JsonColumn::PublishedData,
            IndexKind::Text,
            false,
        ),
    ];
    want.sort_by_key(|g| format!("{g:?}"));
    assert_eq!(got, want);
    assert!(
        registry
            .field_indexes()
            .iter()
            .all(|i| i.doc_type == "page")
    );
    let unique = registry
        .field_indexes()
        .iter()
        .find(|i| i.unique)
        .expect("a unique index");
    assert_eq!(
        registry
            .name_conflict(Error::Conflict {
                entity: "document",
                constraint: unique.name.clone()
            })
            .to_string(),
        format!(
            "document conflicts with an existing row ({})",
            unique.conflict_key()
        )
    );
}

#[test]
fn index_declarations_that_cannot_be_served_are_refused() {
    assert_eq!(
        registry_error_paths(vec![
            SchemaTypeDef::document("post", "Post")
                .field(FieldDef::boolean("flag").index())
                .field(FieldDef::array("tags", [FieldType::String]).unique())
                .field(FieldDef::new(
                    "blocks",
                    FieldType::Array {
                        of: vec![
                            FieldType::Object {
                                fields: vec![FieldDef::string("k").index()]
                            }
                            .into()
                        ]
                    }
                ))
        ]),
        vec![
            "post.fields.flag.index",
            "post.fields.tags.unique",
            "post.fields.blocks.of[0].fields.k.index",
        ]
    );
    let bad = SchemaTypeDef::from_json(&json!({
        "name": "post", "title": "Post", "type": "document",
        "fields": [{"name": "a", "type": "string", "index": "sometimes"}]
    }));
    assert_eq!(
        failures(bad),
        pairs(&[(
            "post.fields.a.index",
            "must be true, false, \"draft\" or \"published\""
        )])
    );
}
