"""The agent desk's views, one module per screen: thin, they parse, call an action or selector, render."""
