namespace ConnectorHealth.Drift.Schemas;

/// <summary>
/// The JSON types seen at one path, as flags so that a field seen with several types holds their union. JSON
/// <c>null</c> is not a type here: it is <see cref="FieldSchema.Nullable"/>. <see cref="Integer"/> is a number written
/// without a fraction or exponent; <see cref="Number"/> is any other.
/// </summary>
[Flags]
public enum JsonTypes
{
    None = 0,
    Boolean = 1,
    Integer = 2,
    Number = 4,
    String = 8,
    Object = 16,
    Array = 32,
}
