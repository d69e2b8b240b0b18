using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.Runner.Payloads;

/// <summary>
/// Makes a fetched payload fit <see cref="PayloadLimits"/> without refusing it: containers nested too deep and keys past
/// the limit are left out, long strings shortened, invalid text and unrepresentable numbers replaced; then a payload
/// still above the byte cap is cut to a sample that is valid JSON of the same shape. Every change is named in
/// <see cref="SampledPayload.Reasons"/>.
/// </summary>
public static class PayloadSampler
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Keep text as UTF-8 rather than \uXXXX escapes, so sizes measured on the raw text hold.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        MaxDepth = 4096,
    };

    public static SampledPayload Sample(JsonElement payload, PayloadLimits limits)
    {
        var (originalBytes, findings) = PayloadInspector.Inspect(payload, limits);
        if (findings.Count == 0)
        {
            return new SampledPayload(payload, false, originalBytes, []);
        }

        var reasons = new List<string>();
        var element = payload;
        if (findings.Any(f => f.Limit != PayloadLimit.Bytes))
        {
            element = Normalize(payload, limits);
            reasons.AddRange(findings.Where(f => f.Limit != PayloadLimit.Bytes).Select(Reason));
        }
        var bytes = SizeOf(element);
        if (bytes > limits.MaxBytes)
        {
            element = CutToSize(element, limits.MaxBytes);
            reasons.Add($"bytes: {originalBytes:N0} bytes, cut to a sample within {limits.MaxBytes:N0}");
        }
        return new SampledPayload(element, true, originalBytes, reasons);
    }

    private static string Reason(PayloadFinding finding) => finding.Limit switch
    {
        PayloadLimit.Depth => "depth: values nested deeper than the limit were left out",
        PayloadLimit.Keys => "keys: keys past the limit were left out",
        PayloadLimit.StringLength => "string-length: long strings were shortened",
        PayloadLimit.Text => "text: NUL characters and unpaired surrogates were replaced by U+FFFD",
        PayloadLimit.Number => "number: numbers beyond the 64-bit floating-point range or PostgreSQL's 16,383 decimal places were replaced by null",
        _ => finding.Limit.ToString(),
    } + $" (first at {finding.Path})";

    /// <summary>A payload's size: the bytes of its compact UTF-8 JSON (text unescaped).</summary>
    public static long SizeOf(JsonElement payload)
    {
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            using var writer = new Utf8JsonWriter(buffer, WriterOptions);
            payload.WriteTo(writer);
            writer.Flush();
            return buffer.WrittenCount;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Invalid UTF-16 (an escaped lone surrogate) cannot be re-encoded; the raw text's size is close enough.
            return Encoding.UTF8.GetByteCount(payload.GetRawText());
        }
    }

    private static JsonElement Normalize(JsonElement payload, PayloadLimits limits)
    {
        var reader = new Utf8JsonReader(JsonMarshal.GetRawUtf8Value(payload), new JsonReaderOptions { MaxDepth = 4096 });
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            var keys = 0;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject when reader.CurrentDepth < limits.MaxDepth:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.StartArray when reader.CurrentDepth < limits.MaxDepth:
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        reader.Skip();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                    case JsonTokenType.PropertyName:
                        var name = JsonText.Read(ref reader);
                        var value = reader;
                        value.Read();
                        var tooDeep = value.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray
                            && value.CurrentDepth >= limits.MaxDepth;
                        if (tooDeep || ++keys > limits.MaxKeys)
                        {
                            reader.Read();
                            reader.Skip();
                            break;
                        }
                        writer.WritePropertyName(JsonText.Clean(JsonText.Shorten(name, limits.MaxStringLength)));
                        break;
                    case JsonTokenType.String:
                        writer.WriteStringValue(JsonText.Clean(JsonText.Shorten(JsonText.Read(ref reader), limits.MaxStringLength)));
                        break;
                    case JsonTokenType.Number when RunDefinition.IsStorableNumber(reader.ValueSpan):
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        break;
                    case JsonTokenType.Number or JsonTokenType.Null:
                        writer.WriteNullValue();
                        break;
                    case JsonTokenType.True or JsonTokenType.False:
                        writer.WriteBooleanValue(reader.TokenType == JsonTokenType.True);
                        break;
                }
            }
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = 4096 });
        return document.RootElement.Clone();
    }

    private static JsonElement CutToSize(JsonElement payload, int capBytes)
    {
        // Sizes are estimated per element; shrink the target until the whole sample fits.
        for (long target = capBytes - 16; ; target = target * 9 / 10)
        {
            var buffer = new ArrayBufferWriter<byte>(capBytes);
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                WriteWithin(writer, payload, target);
            }
            if (buffer.WrittenCount <= capBytes || target < 64)
            {
                using var sampled = JsonDocument.Parse(buffer.WrittenMemory);
                return sampled.RootElement.Clone();
            }
        }
    }

    /// <param name="end">The writer position this value must end at or before.</param>
    private static void WriteWithin(Utf8JsonWriter writer, JsonElement element, long end)
    {
        long Position() => writer.BytesPending + writer.BytesCommitted;

        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    var name = Encoding.UTF8.GetByteCount(property.Name) + 4;
                    if (Position() + name + Size(property.Value) <= end - 1)
                    {
                        property.WriteTo(writer);
                        continue;
                    }
                    if (IsSampleable(property.Value) && Position() + name + 16 <= end - 1)
                    {
                        writer.WritePropertyName(property.Name);
                        WriteWithin(writer, property.Value, end - 1);
                    }
                    break;
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                var written = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (Position() + 1 + Size(item) <= end - 1)
                    {
                        item.WriteTo(writer);
                        written++;
                        continue;
                    }
                    // Whole items only, so a sample never shows an item with fields missing; only a first item
                    // too big to fit whole is sampled itself.
                    if (written == 0 && IsSampleable(item) && Position() + 16 <= end - 1)
                    {
                        WriteWithin(writer, item, end - 1);
                    }
                    break;
                }
                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                var text = element.GetString()!;
                // Worst case four UTF-8 bytes a character, plus quotes and the ellipsis.
                var keep = (int)Math.Clamp((end - Position() - 8) / 4, 0, text.Length);
                writer.WriteStringValue(JsonText.Shorten(text, keep));
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private static bool IsSampleable(JsonElement element) =>
        element.ValueKind is JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.String;

    private static long Size(JsonElement element) => Encoding.UTF8.GetByteCount(element.GetRawText());
}
