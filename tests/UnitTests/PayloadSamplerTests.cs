using System.Text.Json;
using ConnectorHealth.Runner.Payloads;

namespace ConnectorHealth.UnitTests;

public class PayloadSamplerTests
{
    private static long Size(JsonElement e) => PayloadSampler.SizeOf(e);

    [Fact]
    public void APayloadWithinTheCapIsKeptWhole()
    {
        var payload = JsonSerializer.SerializeToElement(new { a = 1, b = "two" });

        var sample = PayloadSampler.Sample(payload, new PayloadLimits { MaxBytes = 1024 });

        Assert.False(sample.Truncated);
        Assert.Equal(payload.GetRawText(), sample.Payload.GetRawText());
        Assert.Equal(Size(payload), sample.OriginalBytes);
    }

    [Fact]
    public void ALargeArrayKeepsAPrefixOfWholeItems()
    {
        var payload = JsonSerializer.SerializeToElement(Enumerable.Range(0, 10_000).Select(i => new { id = i, tags = new[] { "x", "y" } }));

        var sample = PayloadSampler.Sample(payload, new PayloadLimits { MaxBytes = 8 * 1024 });

        Assert.True(sample.Truncated);
        Assert.True(Size(sample.Payload) <= 8 * 1024);
        var items = sample.Payload.EnumerateArray().ToList();
        Assert.True(items.Count > 100);
        Assert.Equal(Enumerable.Range(0, items.Count), items.Select(i => i.GetProperty("id").GetInt32()));
        Assert.All(items, i => Assert.Equal(2, i.GetProperty("tags").GetArrayLength()));
    }

    [Fact]
    public void AnObjectWithOneHugeFieldKeepsItsOtherFieldsAndAShortenedValue()
    {
        var payload = JsonSerializer.SerializeToElement(new
        {
            id = 7,
            blob = new string('é', 100_000),
            nested = new { rows = Enumerable.Range(0, 50_000).ToArray() },
        });

        var sample = PayloadSampler.Sample(payload, new PayloadLimits { MaxBytes = 16 * 1024 });

        Assert.True(sample.Truncated);
        Assert.True(Size(sample.Payload) <= 16 * 1024);
        Assert.Equal(7, sample.Payload.GetProperty("id").GetInt32());
        var blob = sample.Payload.GetProperty("blob").GetString()!;
        Assert.EndsWith("…", blob);
        Assert.StartsWith("ééé", blob);
    }

    [Fact]
    public void AnEmojiIsNeverCutInHalf()
    {
        var payload = JsonSerializer.SerializeToElement(new { text = string.Concat(Enumerable.Repeat("😀", 20_000)) });

        var sample = PayloadSampler.Sample(payload, new PayloadLimits { MaxBytes = 2048 });

        var text = sample.Payload.GetProperty("text").GetString()!;
        Assert.True(sample.Truncated);
        Assert.StartsWith("😀😀", text);
        // A strict encoder throws on a lone surrogate.
        var strict = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(text), strict.GetByteCount(text));
    }

    [Fact]
    public void APayloadNestedTooDeepKeepsItsShallowPartAndSaysSo()
    {
        var deep = "{\"id\":1,\"inner\":" + string.Concat(Enumerable.Repeat("{\"d\":", 100)) + "1" + new string('}', 100) + "}";
        using var document = JsonDocument.Parse(deep, new JsonDocumentOptions { MaxDepth = 1024 });

        var sample = PayloadSampler.Sample(document.RootElement, new PayloadLimits { MaxDepth = 8 });

        Assert.True(sample.Truncated);
        Assert.Equal(1, sample.Payload.GetProperty("id").GetInt32());
        Assert.Contains(sample.Reasons, r => r.StartsWith("depth:", StringComparison.Ordinal));
        Assert.Empty(PayloadInspector.Inspect(sample.Payload, new PayloadLimits { MaxDepth = 8 }).Findings);
        // What the message envelope and every consumer can read again.
        Assert.NotNull(JsonSerializer.Deserialize<JsonElement>(JsonSerializer.Serialize(sample.Payload)).GetRawText());
    }

    [Fact]
    public void TooManyKeysLongStringsBadTextAndHugeNumbersAreCleanedAndNamed()
    {
        var json = "{\"long\":\"" + new string('x', 100) + "\",\"nul\":\"a\\u0000b\",\"lone\":\"\\ud800\",\"big\":1e400,"
            + string.Join(",", Enumerable.Range(0, 50).Select(i => $"\"k{i}\":{i}")) + "}";
        using var document = JsonDocument.Parse(json);
        var limits = new PayloadLimits { MaxKeys = 52, MaxStringLength = 20 };

        var sample = PayloadSampler.Sample(document.RootElement, limits);

        Assert.True(sample.Truncated);
        Assert.Empty(PayloadInspector.Inspect(sample.Payload, limits).Findings);
        Assert.Equal(["keys", "number", "string-length", "text"], sample.Reasons.Select(r => r[..r.IndexOf(':')]).Order());
        Assert.Equal("a\uFFFDb", sample.Payload.GetProperty("nul").GetString());
        Assert.Equal("\uFFFD", sample.Payload.GetProperty("lone").GetString());
        Assert.Equal(JsonValueKind.Null, sample.Payload.GetProperty("big").ValueKind);
        Assert.Equal(new string('x', 19) + "…", sample.Payload.GetProperty("long").GetString());
        Assert.Equal(52, sample.Payload.EnumerateObject().Count());
    }
}
