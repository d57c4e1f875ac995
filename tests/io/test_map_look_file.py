"""The map's look in the project file: labels, density, legend order, picked categories, search columns."""

from __future__ import annotations

from explorer.core.labels import labels_for
from explorer.core.progress import run_to_end
from explorer.io.project_file import load_project, save_project
from tests.io.test_project_file import _rewrite, small_project


def test_map_look_round_trips(tmp_path):
    project = small_project()
    labels = run_to_end(labels_for(project.embeddings, project.projections["PCA"].coords, "column:label", "PCA"))
    view = project.view
    view.map_labels["PCA"] = labels.to_record()
    view.label_source, view.show_labels, view.show_density = "column:label", False, True
    view.legend_order, view.featured_categories, view.search_columns = "count", ["b"], ["label"]
    back = load_project(save_project(project, tmp_path / "look.eexp")).view
    assert back.map_labels == {"PCA": labels.to_record()}
    assert (back.label_source, back.show_labels, back.show_density) == ("column:label", False, True)
    assert (back.legend_order, back.featured_categories, back.search_columns) == ("count", ["b"], ["label"])


def test_older_files_get_defaults_and_bad_entries_are_dropped(tmp_path):
    path = save_project(small_project(), tmp_path / "old.eexp")

    def strip(manifest):
        for key in ("show_labels", "label_source", "map_labels", "show_density", "legend_order",
                    "featured_categories", "search_columns"):
            manifest["session"]["fields"].pop(key)

    _rewrite(path, strip)
    view = load_project(path).view
    assert view.show_labels and not view.show_density and view.map_labels == {}
    assert (view.label_source, view.legend_order, view.search_columns) == ("topics", "natural", [])

    def damage(manifest):
        manifest["session"]["fields"].update(map_labels={"PCA": {"texts": ["a"]}, "gone": {}},
                                             label_source="column:nope", legend_order="sideways",
                                             search_columns=["label", "nope"])

    _rewrite(path, damage)
    view = load_project(path).view  # labels are derived: malformed ones are dropped and made again
    assert view.map_labels == {} and view.label_source == "topics"
    assert view.legend_order == "natural" and view.search_columns == ["label"]
