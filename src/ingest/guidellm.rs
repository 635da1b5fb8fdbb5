//! GuideLLM benchmark reports, every published layout.
