using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConnectorHealth.Contracts;

namespace ConnectorHealth.Runner.Payloads;

/// <summary>Finds what in a payload the pipeline cannot carry or store: one finding per kind of limit, at its first place.</summary>
public static partial class PayloadInspector
{
    public static PayloadInspection Inspect(JsonElement payload, PayloadLimits limits, string root = "payload")
    {
        var findings = new Dictionary<PayloadLimit, PayloadFinding>();
        void Found(PayloadLimit limit, string path, string message) => findings.TryAdd(limit, new PayloadFinding(limit, path, message));

        var bytes = PayloadSampler.SizeOf(payload);
        if (bytes > limits.MaxBytes)
        {
            Found(PayloadLimit.Bytes, root, $"The payload is {bytes:N0} bytes; at most {limits.MaxBytes:N0} bytes (compact UTF-8 JSON) are accepted.");
        }

        var reader = new Utf8JsonReader(JsonMarshal.GetRawUtf8Value(payload), new JsonReaderOptions { MaxDepth = 4096 });
        var path = new JsonPathTracker(root);
        var keys = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    path.BeforeValue();
                    if (reader.CurrentDepth >= limits.MaxDepth)
                    {
                        Found(PayloadLimit.Depth, path.Current, $"Nested more than {limits.MaxDepth} levels deep; at most {limits.MaxDepth} levels are accepted.");
                        reader.Skip();
                        break;
                    }
                    path.Enter(reader.TokenType == JsonTokenType.StartArray);
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    path.Leave();
                    break;
                case JsonTokenType.PropertyName:
                    var name = JsonText.Read(ref reader);
                    path.Property(name);
                    if (++keys > limits.MaxKeys)
                    {
                        Found(PayloadLimit.Keys, path.Current, $"More than {limits.MaxKeys:N0} keys; at most {limits.MaxKeys:N0} object keys (all levels together) are accepted.");
                    }
                    CheckText(name, "key");
                    break;
                case JsonTokenType.String:
                    path.BeforeValue();
                    CheckText(JsonText.Read(ref reader), "string");
                    break;
                case JsonTokenType.Number:
                    path.BeforeValue();
                    if (!RunDefinition.IsStorableNumber(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan))
                    {
                        Found(PayloadLimit.Number, path.Current,
                            $"A number that cannot be stored: outside the range of a 64-bit floating-point value (about ±1.8e308), or more than {RunDefinition.MaxNumberScale:N0} digits after the decimal point (exponent included).");
                    }
                    break;
                default:
                    path.BeforeValue();
                    break;
            }
        }
        return new PayloadInspection(bytes, findings.Values.OrderBy(f => f.Limit).ToList());

        void CheckText(string text, string what)
        {
            if (text.Length > limits.MaxStringLength)
            {
                Found(PayloadLimit.StringLength, path.Current, $"A {what} of {text.Length:N0} characters; at most {limits.MaxStringLength:N0} are accepted.");
            }
            if (StorableText.Problem(text) is { } problem)
            {
                Found(PayloadLimit.Text, path.Current, $"A {what} that {problem}.");
            }
        }
    }

    /// <summary>Where a reader is in a document, as a path: <c>payload.a["b.c"][2]</c>.</summary>
    private sealed class JsonPathTracker(string root)
    {
        private readonly List<(bool IsArray, int Index, string? Name)> _frames = [];

        public string Current
        {
            get
            {
                var text = new StringBuilder(root);
                foreach (var (isArray, index, name) in _frames)
                {
                    if (isArray)
                    {
                        text.Append('[').Append(index).Append(']');
                    }
                    else if (name is not null)
                    {
                        text.Append(PlainKey().IsMatch(name) ? $".{name}" : $"[{JsonSerializer.Serialize(JsonText.Clean(name))}]");
                    }
                }
                return text.ToString();
            }
        }

        public void BeforeValue()
        {
            if (_frames.Count > 0 && _frames[^1].IsArray)
            {
                _frames[^1] = _frames[^1] with { Index = _frames[^1].Index + 1 };
            }
        }

        public void Enter(bool isArray) => _frames.Add((isArray, -1, null));

        public void Leave()
        {
            if (_frames.Count > 0)
            {
                _frames.RemoveAt(_frames.Count - 1);
            }
        }

        public void Property(string name) => _frames[^1] = _frames[^1] with { Name = name };
    }

    [GeneratedRegex(@"\A[A-Za-z_][A-Za-z0-9_]{0,63}\z")]
    private static partial Regex PlainKey();
}
