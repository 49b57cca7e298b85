//! Browser tests in headless Chromium (being written).
