"""Accessories, boxes and parts told from the thing itself, in the languages sellers write."""

from __future__ import annotations

import pytest

from listings.kinds import Kind, classify_title, is_accessory


@pytest.mark.parametrize(
    "title",
    [
        "Fujifilm X100V digital camera silver",
        "Fujifilm X100V black with lens hood",
        "Fujifilm X100V camera body only",
        "Apple iPhone 13, A2482, 128GB, Unlocked, Good Condition (Free Ship)",
        "Apple iPhone 13 Pro Max 256GB + case and charger",
        "Canon EF 50mm f/1.8 STM lens",
        "Canon EOS R6 body, 2 batteries, strap",
        "Sony PS5 console disc edition for sale",
        "Google Nexus Player with Gamepad Bundle",
        "PS5 console with 2 controllers",
        "PS5 Disc Edition, controller, 2 games",
        "Apple iPhone 12 PRO 128GB (UNLOCKED) 100% BATTERY",
        "For Trade: 8' Fineline Hot Generation Surfboard",
        "Canon AE-1 35mm film camera",
    ],
)
def test_the_thing_itself_is_an_item(title: str) -> None:
    verdict = classify_title(title)
    assert verdict.kind == Kind.ITEM, verdict.why


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Lens hood for Fujifilm X100V", Kind.ACCESSORY),
        ("Fujifilm X100V box only", Kind.ACCESSORY),
        ("For iPhone 14 13 12 Pro Max Tempered Glass Camera Lens Screen Protector", Kind.ACCESSORY),
        ("1-3 PACK Camera Lens Protector Tempered GLASS 9H iPhone 14 13", Kind.ACCESSORY),
        ("Shockproof Armor Matte Case For iPhone 14 13 12", Kind.ACCESSORY),
        ("iPhone 14 Pro Max case", Kind.ACCESSORY),
        ("Asus - Wireless Gamepad for Nexus Player - Black", Kind.ACCESSORY),
        ("Battery for Canon EOS R6", Kind.ACCESSORY),
        ("Sony DualSense PS5 controller white", Kind.ACCESSORY),
        ("Xbox Series X|S controller", Kind.ACCESSORY),
        ("PS5 DualSense Charging Station", Kind.ACCESSORY),
        ("iPhone 13 Pro Max Screen Replacement", Kind.ACCESSORY),
        ("Compatible with PS5: charging dock", Kind.ACCESSORY),
        ("Nintendo Switch OLED - for parts", Kind.PARTS),
        ("Canon EOS R6 not working", Kind.PARTS),
        ("Sony A7 III spares or repair", Kind.PARTS),
        # German, French, Spanish, Italian
        ("Hülle für iPhone 13 Silikon", Kind.ACCESSORY),
        ("Canon EOS R6 defekt", Kind.PARTS),
        ("PS5 nur OVP", Kind.ACCESSORY),
        ("Coque pour iPhone 13", Kind.ACCESSORY),
        ("Nikon D750 pour pièces", Kind.PARTS),
        ("Funda para iPhone 13", Kind.ACCESSORY),
        ("Cargador para MacBook Pro", Kind.ACCESSORY),
        ("Custodia per iPhone 13", Kind.ACCESSORY),
        ("Nintendo Switch non funzionante", Kind.PARTS),
    ],
)
def test_accessories_boxes_and_parts_are_told_apart(title: str, kind: str) -> None:
    verdict = classify_title(title)
    assert verdict.kind == kind, verdict.why
    assert verdict.why


def test_the_sites_leaf_category_counts_but_not_its_parent() -> None:
    assert classify_title("Apple Magic thing", category="Cell Phone Accessories").kind == Kind.ACCESSORY
    assert classify_title("Apple iPhone 12", category="Cell Phones & Accessories").kind == Kind.ITEM
    assert classify_title("Apple iPhone 12", category="Cell Phones & Accessories > Cell Phones & Smartphones").kind == Kind.ITEM
    assert classify_title("Logic board A2172", category="Replacement Parts & Tools").kind == Kind.PARTS


def test_is_accessory_answers_with_the_reason() -> None:
    assert is_accessory("lens hood for X100V") == (True, "accessory: 'lens hood for'")
    assert is_accessory("Fujifilm X100V") == (False, "")


@pytest.mark.django_db
def test_the_upsert_stores_each_listings_kind() -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from listings.agents import ListingData
    from listings.models import Listing
    from listings.services import listing_upsert_bulk
    from listings.tests.factories import MarketplaceFactory

    market = MarketplaceFactory()
    items = [
        ListingData(external_id=str(n), url=f"https://m.example/{n}", title=title, price=Decimal("10"), currency="USD")
        for n, title in enumerate(["Fujifilm X100V silver", "Lens hood for X100V", "X100V for parts"])
    ]
    listing_upsert_bulk(marketplace=market, items=items, seen_at=datetime(2026, 12, 1, tzinfo=UTC))
    kinds = dict(Listing.objects.values_list("title", "kind"))
    assert kinds == {"Fujifilm X100V silver": "item", "Lens hood for X100V": "accessory", "X100V for parts": "parts"}
