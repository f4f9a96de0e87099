from connectors.sortscape.sandbox import seed
from loftterm.api import Address, ContactFields, PushRequest

SHIP = Address(line1="9 Ocean Street", city="Bondi", region="NSW", postal_code="2026")
BILL = Address(line1="PO Box 55", city="Sydney", region="NSW", postal_code="2001")


def push(hooks, ctx, *requests):
    return hooks.call("loftterm_connector_push", ctx=ctx, requests=list(requests))


def create(profile_id, key="", **fields):
    return PushRequest("create", profile_id, "contact", ContactFields(**fields),
                       idempotency_key=key)


def update(remote_id, version, changed, key="", **fields):
    return PushRequest("update", "prof-u", "contact", ContactFields(**fields),
                       changed=frozenset(changed), remote_id=remote_id, version=version,
                       idempotency_key=key)


def test_create_stamps_the_profile_and_adds_a_property_from_shipping(hooks, ctx, sandbox):
    (out,) = push(hooks, ctx, create("prof-1", "key-1", name="Bondi Surf Club",
                                     email="admin@bondisurf.example", billing=BILL,
                                     shipping=SHIP))
    assert out.status == "created" and out.profile_id == "prof-1"
    assert out.remote is not None and out.remote.external_key == "prof-1"
    stored = sandbox.contact(out.remote.remote_id)
    assert stored["external_ref"] == "prof-1" and stored["email"] == "admin@bondisurf.example"
    (prop,) = stored["properties"]
    assert prop["source"] == "shipping" and prop["address"]["line1"] == "9 Ocean Street"
    (post,) = sandbox.calls("POST", "/contacts$")
    assert post.header("idempotency-key") == "key-1"


def test_create_without_shipping_uses_the_billing_address(hooks, ctx, sandbox):
    (out,) = push(hooks, ctx, create("prof-2", name="Sam Ng", billing=BILL),
                  create("prof-3", name="No Address Pty Ltd"))[:1]
    prop = sandbox.contact(out.remote.remote_id)["properties"]
    assert [(p["source"], p["address"]["city"]) for p in prop] == [("billing", "Sydney")]
    third = [c for c in sandbox.contacts() if c["external_ref"] == "prof-3"]
    assert len(third) == 1 and third[0]["properties"] == []


def test_update_patches_only_changed_fields_with_if_match(hooks, ctx, sandbox):
    (out,) = push(hooks, ctx, update(seed.TOM_B, "3", {"email", "shipping"},
                                     name="Tom B.", email="tom@example.com", shipping=SHIP))
    assert out.status == "updated" and out.remote.email == "tom@example.com"
    assert out.remote.version == "4"
    (patch,) = sandbox.calls("PATCH", f"/contacts/{seed.TOM_B}$")
    assert patch.json() == {"email": "tom@example.com"}
    assert patch.header("if-match") == "3"
    assert sandbox.contact(seed.TOM_B)["properties"][0]["address"]["line1"] == "22 Wattle Crescent"


def test_update_with_a_stale_version_fails_that_record_only(hooks, ctx, sandbox):
    sandbox.edit_contact(seed.W_ZHANG, phone="+61 400 000 000")  # version 3 -> 4 in SortScape
    stale, fine = push(hooks, ctx,
                       update(seed.W_ZHANG, "3", {"name"}, name="Wei Zhang"),
                       update(seed.TOM_B, "3", {"name"}, name="Thomas Baker"))
    assert stale.status == "failed"
    assert stale.reason.startswith("changed in SortScape since last sync")
    assert "now 4" in stale.reason
    assert sandbox.contact(seed.W_ZHANG)["name"] == "W. Zhang"
    assert fine.status == "updated" and sandbox.contact(seed.TOM_B)["name"] == "Thomas Baker"


def test_address_only_change_is_skipped_without_a_call(hooks, ctx, sandbox):
    (out,) = push(hooks, ctx, update(seed.TOM_B, "3", {"billing"}, name="Tom B.", billing=BILL))
    assert out.status == "skipped" and "properties" in out.reason
    assert sandbox.calls("PATCH") == []


def test_refusals_are_outcomes_with_the_reason(hooks, ctx):
    bad_name, missing = push(hooks, ctx, create("prof-4", name=""),
                             update("C-424242", "1", {"name"}, name="Ghost"))
    assert bad_name.status == "failed" and bad_name.reason == "invalid name: name is required"
    assert missing.status == "failed" and "C-424242 not found" in missing.reason


def test_a_replayed_create_does_not_duplicate(hooks, make_run, sandbox):
    request = create("prof-5", "stable-key-5", name="Replay Gardens Co")
    ctx1, _ = make_run()
    ctx2, _ = make_run()
    (first,) = push(hooks, ctx1, request)
    (again,) = push(hooks, ctx2, request)  # a later run retries the same intent
    assert first.status == again.status == "created"
    assert again.remote.remote_id == first.remote.remote_id
    assert len(sandbox.calls("POST", "/contacts$")) == 2
    assert len([c for c in sandbox.contacts() if c["external_ref"] == "prof-5"]) == 1


def test_a_lost_answer_is_retried_under_the_same_key_without_duplicating(hooks, make_run, sandbox):
    ctx, stats = make_run()
    sandbox.lose_answer("/contacts$")  # the create commits, then the answer is a 503
    (out,) = push(hooks, ctx, create("prof-6", name="Lost Answer Landscapes"))
    assert out.status == "created" and stats.retries == 1
    posts = sandbox.calls("POST", "/contacts$")
    assert len(posts) == 2
    assert posts[0].header("idempotency-key") == posts[1].header("idempotency-key")
    assert len([c for c in sandbox.contacts() if c["external_ref"] == "prof-6"]) == 1


def test_dry_run_writes_nothing(hooks, make_run, sandbox):
    ctx, _ = make_run(dry_run=True)
    (out,) = push(hooks, ctx, create("prof-7", name="Dry Run Pty Ltd"))
    assert out.status == "skipped" and sandbox.calls() == []
