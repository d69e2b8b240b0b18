namespace ConnectorHealth.Runner.Payloads;

public enum PayloadLimit
{
    Bytes,
    Depth,
    Keys,
    StringLength,
    Text,
    Number,
}
