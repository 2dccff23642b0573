from knowledge.regions import load_regions


def test_province_entry_applies_in_its_cities_only() -> None:
    regions = load_regions()
    assert regions.applies("广东省", "江门市")
    assert regions.applies("全国", "金湖县")
    assert not regions.applies("茂名市", "江门市")
    assert not regions.applies("江苏省", "江门市")


def test_unknown_asker_region_sees_everything() -> None:
    assert load_regions().applies("茂名市", None)


def test_region_named_in_text_most_specific_wins() -> None:
    regions = load_regions()
    assert regions.canonical("我在广东江门") == "江门市"
    assert regions.canonical("金湖县的养老金") == "金湖县"
    assert regions.canonical("赣县") == "赣县区"
    assert regions.canonical("失业金怎么领") is None
