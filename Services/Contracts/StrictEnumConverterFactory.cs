using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConnectorHealth.Contracts;

/// <summary>
/// Reads and writes every enum as its <see cref="EnumNames"/> name, and refuses anything else (another case, a comma
/// list, a number) with a <see cref="JsonException"/> that lists the accepted names.
/// </summary>
public sealed class StrictEnumConverterFactory : JsonConverterFactory
{
    // Flag sets are not names: they keep their own converters.
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum && !typeToConvert.IsDefined(typeof(FlagsAttribute), false);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(StrictEnumConverter<>).MakeGenericType(typeToConvert))!;

    private sealed class StrictEnumConverter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
    {
        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String && EnumNames.TryParse<TEnum>(reader.GetString(), out var value))
            {
                return value;
            }
            throw new JsonException($"Expected one of: {EnumNames.List<TEnum>()}.");
        }

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
            writer.WriteStringValue(EnumNames.Name(value));

        public override TEnum ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            EnumNames.TryParse<TEnum>(reader.GetString(), out var value)
                ? value
                : throw new JsonException($"Expected one of: {EnumNames.List<TEnum>()}.");

        public override void WriteAsPropertyName(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
            writer.WritePropertyName(EnumNames.Name(value));
    }
}
