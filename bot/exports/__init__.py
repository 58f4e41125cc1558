"""The bureau's own documents, written from the live state: the 整改台账 and the 整改落实情况报告."""
