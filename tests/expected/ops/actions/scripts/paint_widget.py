#!/usr/bin/env python
"""Paint a widget (a fire CLI over an instance; prints the result)."""
import fire


class Widget(object):
    def __init__(self, color="red"):
        self.color = color

    def paint(self, times=1):
        """Paint the widget.

        Args:
            times: how many coats
        """
        return "%s x%d" % (self.color, times)

    def inspect(self):
        """Show the widget's color."""
        return self.color


if __name__ == "__main__":
    fire.Fire(Widget(), name="widget")
