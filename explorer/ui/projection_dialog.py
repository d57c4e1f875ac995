"""The dialog that asks how to compute a new projection (method and its main parameters)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.core.projections import DEFAULTS, DISPLAY_NAMES

METHOD_NAMES = DISPLAY_NAMES
HINTS = {
    "pca": "Linear and instant; keeps global distances, blurs local structure.",
    "tsne": "openTSNE (FFT). Good local neighbourhoods; distances between clusters mean little. "
            "The layout moves on the map while it optimises.",
    "umap": "umap-learn. Local and some global structure; the layout moves on the map while it "
            "optimises. Its numba code is compiled in the background when a project opens (about "
            "a minute on 2 cores); a UMAP asked for before that waits for it.",
}
METRICS = ["cosine", "euclidean", "correlation", "manhattan"]


class ProjectionDialog(QDialog):
    def __init__(self, existing: list[str], item_count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New projection")
        self.existing = set(existing)
        self.item_count = item_count
        layout = QVBoxLayout(self)
        # never smaller than what the current method's fields need (they were squashed to half height)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        form = QFormLayout()
        self.method = QComboBox()
        for key, label in METHOD_NAMES.items():
            self.method.addItem(label, key)
        self.name = QLineEdit()
        form.addRow("Method", self.method)
        form.addRow("Name", self.name)
        layout.addLayout(form)
        self.pages = QStackedWidget()
        self.fields: dict[str, dict[str, QWidget]] = {}
        for key in METHOD_NAMES:
            page = QWidget()
            page_form = QFormLayout(page)
            page_form.setContentsMargins(0, 6, 0, 0)
            self.fields[key] = self._fields_for(key, page_form)
            self.pages.addWidget(page)
        layout.addWidget(self.pages)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setMinimumWidth(380)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Compute")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.method.currentIndexChanged.connect(self._on_method)
        self._on_method()

    def _fields_for(self, method: str, form: QFormLayout) -> dict[str, QWidget]:
        defaults = DEFAULTS[method]
        fields: dict[str, QWidget] = {}
        if method == "pca":
            for axis, default in zip(("x component", "y component"), defaults["components"]):
                box = QSpinBox()
                box.setRange(1, 50)
                box.setValue(default + 1)
                fields[axis] = box
                form.addRow(axis.capitalize(), box)
            return fields
        if method == "tsne":
            perplexity = QDoubleSpinBox()
            perplexity.setRange(2, 500)
            perplexity.setValue(defaults["perplexity"])
            fields["perplexity"] = perplexity
            form.addRow("Perplexity", perplexity)
            iterations = QSpinBox()
            iterations.setRange(50, 5000)
            iterations.setValue(defaults["n_iter"])
            fields["n_iter"] = iterations
            form.addRow("Iterations", iterations)
        else:
            neighbours = QSpinBox()
            neighbours.setRange(2, 200)
            neighbours.setValue(defaults["n_neighbors"])
            fields["n_neighbors"] = neighbours
            form.addRow("Neighbours", neighbours)
            min_dist = QDoubleSpinBox()
            min_dist.setRange(0.0, 1.0)
            min_dist.setSingleStep(0.05)
            min_dist.setValue(defaults["min_dist"])
            fields["min_dist"] = min_dist
            form.addRow("Minimum distance", min_dist)
        metric = QComboBox()
        metric.addItems(METRICS)
        metric.setCurrentText(defaults["metric"])
        fields["metric"] = metric
        form.addRow("Metric", metric)
        pca_dims = QSpinBox()
        pca_dims.setRange(0, 1000)
        pca_dims.setSpecialValueText("off")
        pca_dims.setValue(defaults["pca_dims"])
        fields["pca_dims"] = pca_dims
        form.addRow("PCA first, to dimensions", pca_dims)
        seed = QSpinBox()
        seed.setRange(0, 2**31 - 1)
        seed.setValue(defaults["seed"])
        fields["seed"] = seed
        form.addRow("Seed", seed)
        return fields

    def _on_method(self) -> None:
        method = self.method.currentData()
        self.pages.setCurrentIndex(self.method.currentIndex())
        for i in range(self.pages.count()):  # the stack sizes to the page shown, not the largest
            policy = QSizePolicy.Policy.Preferred if i == self.pages.currentIndex() else QSizePolicy.Policy.Ignored
            self.pages.widget(i).setSizePolicy(policy, policy)
        self.hint.setText(HINTS[method])
        base = METHOD_NAMES[method]
        name, counter = base, 2
        while name in self.existing:
            name, counter = f"{base} {counter}", counter + 1
        self.name.setText(name)
        self.pages.updateGeometry()
        self.layout().activate()
        hint = self.sizeHint()
        self.resize(max(hint.width(), self.width()) if self.isVisible() else hint.width(), hint.height())

    def choice(self) -> tuple[str, str, dict[str, Any]]:
        """(method, name, parameters) as the core's ``project`` takes them."""
        method = self.method.currentData()
        params: dict[str, Any] = {}
        for key, widget in self.fields[method].items():
            if isinstance(widget, QComboBox):
                params[key] = widget.currentText()
            else:
                params[key] = widget.value()
        if method == "pca":
            params = {"components": [params.pop("x component") - 1, params.pop("y component") - 1]}
        return method, self.name.text().strip() or METHOD_NAMES[method], params
