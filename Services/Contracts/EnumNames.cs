namespace ConnectorHealth.Contracts;

/// <summary>The lower-case names the REST APIs and the database use for the contract's enums.</summary>
public static class EnumNames
{
    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString().ToLowerInvariant();

    public static bool TryParse<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum =>
        Enum.TryParse(text, ignoreCase: true, out value) && Enum.IsDefined(value) && !int.TryParse(text, out _);
}
