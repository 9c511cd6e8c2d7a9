"""The paper gallery: one runnable script per theory/THEORY.md section.

The scripts live inside the package (``kdgap_sim/gallery/sec<N>_<name>.py``)
so that ``kdgap gallery`` works after ``pip install .``; ``docs/gallery/README.md``
lists them. Each defines ``main(quick, out_dir) -> dict`` of key numbers,
prints them next to the paper's, and saves a figure as PNG and PDF.

Example:
  >>> from kdgap_sim import gallery
  >>> gallery.resolve(["greedy"])[0].section
  1
"""

from kdgap_sim.gallery.runner import Entry, comparison_table, entries, resolve, run

__all__ = ["Entry", "comparison_table", "entries", "resolve", "run"]
