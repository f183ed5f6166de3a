"""Parts of the message catalogue, one module per feature; handlers.i18n merges them and refuses a
key defined twice."""
