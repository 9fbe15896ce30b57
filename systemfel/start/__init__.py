"""The start page per role: above every area, so it can gather brister, meetings and reports."""
