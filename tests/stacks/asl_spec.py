"""The ASL vocabulary the structural validator accepts: https://states-language.net/spec.html"""

from __future__ import annotations

COMMON = {"Type", "Comment", "InputPath", "OutputPath", "QueryLanguage", "Assign"}
FIELDS = {
    "Task": COMMON
    | {
        "Resource",
        "Parameters",
        "ResultPath",
        "ResultSelector",
        "Retry",
        "Catch",
        "Next",
        "End",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "HeartbeatSeconds",
        "HeartbeatSecondsPath",
        "Credentials",
    },
    "Pass": COMMON | {"Result", "ResultPath", "Parameters", "Next", "End"},
    "Choice": COMMON | {"Choices", "Default"},
    "Wait": COMMON | {"Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Next", "End"},
    "Succeed": COMMON,
    "Fail": {"Type", "Comment", "Error", "Cause", "ErrorPath", "CausePath", "QueryLanguage"},
    "Parallel": COMMON
    | {"Branches", "ResultPath", "ResultSelector", "Parameters", "Retry", "Catch", "Next", "End"},
    "Map": COMMON
    | {
        "Iterator",
        "ItemProcessor",
        "ItemsPath",
        "ItemSelector",
        "Parameters",
        "MaxConcurrency",
        "ResultPath",
        "ResultSelector",
        "Retry",
        "Catch",
        "Next",
        "End",
        "ItemReader",
        "ResultWriter",
        "ToleratedFailurePercentage",
        "ToleratedFailureCount",
        "Label",
        "MaxConcurrencyPath",
    },
}
INTRINSICS = {
    "States.Format",
    "States.StringToJson",
    "States.JsonToString",
    "States.Array",
    "States.ArrayPartition",
    "States.ArrayContains",
    "States.ArrayRange",
    "States.ArrayGetItem",
    "States.ArrayLength",
    "States.ArrayUnique",
    "States.Base64Encode",
    "States.Base64Decode",
    "States.Hash",
    "States.JsonMerge",
    "States.MathRandom",
    "States.MathAdd",
    "States.StringSplit",
    "States.UUID",
}
COMPARISONS = {
    f"{kind}{op}{suffix}"
    for kind in ("String", "Numeric", "Timestamp")
    for op in ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")
    for suffix in ("", "Path")
} | {
    "BooleanEquals",
    "BooleanEqualsPath",
    "StringMatches",
    "IsNull",
    "IsPresent",
    "IsNumeric",
    "IsString",
    "IsBoolean",
    "IsTimestamp",
}
PATH_FIELDS = {
    "InputPath",
    "OutputPath",
    "ResultPath",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
}
