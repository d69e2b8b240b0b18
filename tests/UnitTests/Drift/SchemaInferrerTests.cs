using System.Text;
using System.Text.Json;
using ConnectorHealth.Drift.Schemas;
using static ConnectorHealth.UnitTests.Drift.DriftTestSupport;

namespace ConnectorHealth.UnitTests.Drift;

public class SchemaInferrerTests
{
    [Theory]
    [InlineData("""{"order":{"lines":[{"sku":"A","qty":2}]}}""",
        new[] { "$: object", "$.order: object", "$.order.lines: array", "$.order.lines[]: object", "$.order.lines[].qty: integer", "$.order.lines[].sku: string" })]
    [InlineData("""[{"id":1,"name":"a"},{"id":2,"name":null},{"id":3}]""",
        new[] { "$: array", "$[]: object", "$[].id: integer", "$[].name: string|null optional" })]
    [InlineData("\"text\"", new[] { "$: string" })]
    [InlineData("true", new[] { "$: boolean" })]
    [InlineData("-12", new[] { "$: integer" })]
    [InlineData("null", new[] { "$: null" })]
    [InlineData("""{"m":[[1,2],[3.5],[],[[true]]]}""",
        new[] { "$: object", "$.m: array", "$.m[]: array", "$.m[][]: integer|number|array", "$.m[][][]: boolean" })]
    [InlineData("""[1,"a",null,{"x":true},[1],false]""",
        new[] { "$: array", "$[]: boolean|integer|string|object|array|null", "$[].x: boolean", "$[][]: integer" })]
    [InlineData("""{"items":[{"a":1,"b":null},{"a":null},{"a":2,"c":{"d":"x"}}]}""",
        new[] { "$: object", "$.items: array", "$.items[]: object", "$.items[].a: integer|null", "$.items[].b: null optional", "$.items[].c: object optional", "$.items[].c.d: string" })]
    [InlineData("""[{"a":1},"s",{"a":2}]""", new[] { "$: array", "$[]: string|object", "$[].a: integer" })]
    [InlineData("""{"tags":[],"n":{}}""", new[] { "$: object", "$.n: object", "$.tags: array" })]
    [InlineData("""{"a":1,"a":null}""", new[] { "$: object", "$.a: integer|null" })]
    [InlineData("""[{"a":1,"a":2},{"b":true}]""", new[] { "$: array", "$[]: object", "$[].a: integer optional", "$[].b: boolean optional" })]
    [InlineData("""{"\u0061":1,"a":"x"}""", new[] { "$: object", "$.a: integer|string" })]
    [InlineData("""{"a":42,"b":42.0,"c":1e3,"d":1180591620717411303424,"e":-7,"f":2E-3,"g":-0.5,"h":0}""",
        new[] { "$: object", "$.a: integer", "$.b: number", "$.c: number", "$.d: integer", "$.e: integer", "$.f: number", "$.g: number", "$.h: integer" })]
    public void EveryNodeOfThePayloadIsAField(string json, string[] expected)
    {
        Assert.Equal(InPathOrder(expected), Lines(Infer(json)));
    }

    [Fact]
    public void KeysThatAreNotIdentifiersAreQuotedSoNoPathReadsAsAnother()
    {
        var schema = Infer("""
            {"a.b":1,"a[0]":2,"it's":3,"back\\slash":4,"ключ":5,"":6,"tab\there\u0001":7,"ok_1":8,"1st":9,"_x":10,
             "quote\"d":11,"a":{"b":12}}
            """);

        string[] expected =
        [
            "$: object", "$['a.b']: integer", "$['a[0]']: integer", @"$['it\'s']: integer", @"$['back\\slash']: integer",
            "$['ключ']: integer", "$['']: integer", @"$['tab\u0009here\u0001']: integer", "$.ok_1: integer",
            "$['1st']: integer", "$._x: integer", "$['quote\"d']: integer", "$.a: object", "$.a.b: integer",
        ];
        Assert.Equal(InPathOrder(expected), Lines(schema));
        Assert.Equal(["", "1st", "_x", "a", "a.b", "a[0]", @"back\slash", "it's", "ok_1", "quote\"d", "tab\there\u0001", "ключ"], schema.TopLevelKeys);
    }

    [Fact]
    public void AnEscapedLoneSurrogateInAKeyIsReadAsAReplacementCharacter()
    {
        var schema = Infer("""{"\ud800x":1,"ok":2}""");

        Assert.Equal(["$: object", "$.ok: integer", "$['\uFFFDx']: integer"], Lines(schema));
    }

    [Fact]
    public void FieldsAreSortedByPathOrdinal()
    {
        var schema = Infer("""{"b":1,"B":2,"_":3,"a":{"z":1,"A":2},"é":4,"a b":5}""");

        var paths = schema.Fields.Select(f => f.Path).ToArray();
        Assert.Equal(paths.Order(StringComparer.Ordinal), paths);
    }

    [Fact]
    public void TopLevelKeysAreTheRootObjectsDistinctKeysSorted()
    {
        Assert.Equal(["a", "a.b", "b"], Infer("""{"b":1,"a.b":2,"a":{"z":1},"a":3}""").TopLevelKeys);
        Assert.Empty(Infer("""[{"a":1}]""").TopLevelKeys);
        Assert.Empty(Infer("7").TopLevelKeys);
    }

    [Fact]
    public void AnUndefinedElementGivesARootWithoutTypes()
    {
        var schema = new SchemaInferrer(new InferenceLimits()).Infer(default, false);

        Assert.Equal(["$: none"], Lines(schema));
    }

    [Fact]
    public void NestingDeeperThanTheLimitIsNotRead()
    {
        var json = string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200);

        var schema = Infer(json);

        Assert.Equal(33, schema.Fields.Count);
        Assert.Equal([InferenceLimit.Depth], schema.LimitsHit);
        Assert.True(schema.Partial);
        var deepest = Assert.Single(schema.Fields, f => f.Path == "$" + string.Concat(Enumerable.Repeat(".a", 32)));
        Assert.Equal(JsonTypes.Object, deepest.Types);
    }

    [Fact]
    public void NestingWithinARaisedLimitIsReadWhole()
    {
        var json = string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200);

        var schema = Infer(json, new InferenceLimits { MaxDepth = 256 });

        Assert.Equal(201, schema.Fields.Count);
        Assert.Empty(schema.LimitsHit);
        Assert.Equal(JsonTypes.Integer, schema.Fields.Single(f => f.Path.Length == 401).Types);
    }

    [Fact]
    public void DeeplyNestedArraysStopAtTheDepthLimit()
    {
        var json = new string('[', 200) + "1" + new string(']', 200);

        var schema = Infer(json);

        Assert.Equal(33, schema.Fields.Count);
        Assert.Equal([InferenceLimit.Depth], schema.LimitsHit);
        Assert.Equal("$" + string.Concat(Enumerable.Repeat("[]", 32)), schema.Fields[^1].Path);
        Assert.Equal(JsonTypes.Array, schema.Fields[^1].Types);
    }

    [Theory]
    [InlineData("""{"a":{}}""", false)]
    [InlineData("""{"a":[]}""", false)]
    [InlineData("""{"a":{"b":1}}""", true)]
    [InlineData("""{"a":[1]}""", true)]
    public void OnlyAContainerWithContentAtTheDepthLimitCountsAsHittingIt(string json, bool hit)
    {
        var schema = Infer(json, new InferenceLimits { MaxDepth = 1 });

        Assert.Equal(2, schema.Fields.Count);
        Assert.Equal(hit, schema.LimitsHit.Contains(InferenceLimit.Depth));
    }

    [Fact]
    public void FiftyThousandKeysStopAtTheFieldLimitAndTheTopLevelListAtTwiceIt()
    {
        var json = "{" + string.Join(',', Enumerable.Range(0, 50_000).Select(i => $"\"k{i}\":{i}")) + "}";

        var schema = Infer(json);

        Assert.Equal(2000, schema.Fields.Count);
        Assert.Equal([InferenceLimit.Fields], schema.LimitsHit);
        // 1,999 fields below the root, and as many root keys again left out of the fields: the list stays bounded.
        Assert.Equal(1_999 + 2_000, schema.TopLevelKeys.Count);
        Assert.Equal(schema.TopLevelKeys.Order(StringComparer.Ordinal), schema.TopLevelKeys);
    }

    [Fact]
    public void FiftyThousandKeysWithinARaisedLimitAreAllFields()
    {
        var json = "{" + string.Join(',', Enumerable.Range(0, 50_000).Select(i => $"\"k{i}\":{i}")) + "}";

        var schema = Infer(json, new InferenceLimits { MaxFields = 100_000 });

        Assert.Equal(50_001, schema.Fields.Count);
        Assert.False(schema.Partial);
    }

    [Fact]
    public void PathsKnownBeforeTheFieldLimitStillMerge()
    {
        var schema = Infer("""[{"a":1},{"a":"s","b":2}]""", new InferenceLimits { MaxFields = 3 });

        Assert.Equal(["$: array", "$[]: object", "$[].a: integer|string"], Lines(schema));
        Assert.Equal([InferenceLimit.Fields], schema.LimitsHit);
    }

    [Fact]
    public void OfAMillionItemsOnlyTheSampleIsRead()
    {
        var json = new StringBuilder("[");
        for (var i = 0; i < 1_000_000; i++)
        {
            json.Append(i < 100 ? "1," : "\"later\",");
        }
        json[^1] = ']';

        var schema = Infer(json.ToString());

        Assert.Equal(["$: array", "$[]: integer"], Lines(schema));
        Assert.Equal([InferenceLimit.ArraySample], schema.LimitsHit);
    }

    [Fact]
    public void AnArrayNoLongerThanTheSampleIsReadWhole()
    {
        var schema = Infer("[" + string.Join(',', Enumerable.Repeat("1", 99).Append("\"last\"")) + "]");

        Assert.Equal(["$: array", "$[]: integer|string"], Lines(schema));
        Assert.Empty(schema.LimitsHit);
    }

    [Fact]
    public void AKeyLongerThanThePathLimitIsLeftOutWithEverythingUnderIt()
    {
        var key = new string('k', 30_000);

        var schema = Infer($$"""{"{{key}}":{"inner":1},"b":2,"{{new string('é', 30_000)}}":3}""");

        Assert.Equal(["$: object", "$.b: integer"], Lines(schema));
        Assert.Equal([InferenceLimit.PathLength], schema.LimitsHit);
        Assert.Equal(3, schema.TopLevelKeys.Count);
        Assert.Contains(key, schema.TopLevelKeys);
    }

    [Fact]
    public void AKeyWithinARaisedPathLimitIsAField()
    {
        var key = new string('k', 30_000);

        var schema = Infer($$$"""{"{{{key}}}":{"inner":1}}""", new InferenceLimits { MaxPathLength = 65_536 });

        Assert.Equal(["$: object", $"$.{key}: object", $"$.{key}.inner: integer"], Lines(schema));
        Assert.Empty(schema.LimitsHit);
    }

    [Fact]
    public void ATruncatedPayloadGivesAPartialSchemaWithTheSameFingerprint()
    {
        const string json = """{"a":1,"b":[true]}""";

        var truncated = Infer(json, truncated: true);
        var whole = Infer(json);

        Assert.True(truncated.PayloadTruncated);
        Assert.True(truncated.Partial);
        Assert.Empty(truncated.LimitsHit);
        Assert.False(whole.Partial);
        Assert.Equal(whole.Fingerprint, truncated.Fingerprint);
    }

    [Fact]
    public void MergingMoreItemsAllocatesNothingMore()
    {
        static string Records(int count) => "[" + string.Join(',', Enumerable.Range(0, count).Select(i =>
            $$$"""{"id":{{{i}}},"unit price":{{{i}}}.5,"ключ":"v","tags":["a","b"],"meta":{"ok":true,"at":null}}""")) + "]";
        using var few = JsonDocument.Parse(Records(10));
        using var many = JsonDocument.Parse(Records(2_000));
        var inferrer = new SchemaInferrer(new InferenceLimits { ArraySample = 10_000 });
        Assert.Equal(inferrer.Infer(few.RootElement, false).Fingerprint, inferrer.Infer(many.RootElement, false).Fingerprint);

        var forFew = Allocated(() => inferrer.Infer(few.RootElement, false));
        var forMany = Allocated(() => inferrer.Infer(many.RootElement, false));

        Assert.InRange(forMany - forFew, -512, 512);
    }

    private static long Allocated(Func<InferredSchema> infer)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        GC.KeepAlive(infer());
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
