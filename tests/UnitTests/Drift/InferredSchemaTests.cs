using System.Security.Cryptography;
using System.Text;
using ConnectorHealth.Drift.Schemas;
using static ConnectorHealth.UnitTests.Drift.DriftTestSupport;

namespace ConnectorHealth.UnitTests.Drift;

public class InferredSchemaTests
{
    private const string Base = """{"a":1,"b":"s","c":[{"d":true},{"d":false}],"e":{"f":null}}""";

    [Fact]
    public void KeyOrderNeverChangesTheFingerprint()
    {
        var reordered = Infer("""{"e":{"f":null},"c":[{"d":false},{"d":true}],"b":"t","a":2}""");

        Assert.Equal(Infer(Base).Fingerprint, reordered.Fingerprint);
    }

    [Theory]
    [InlineData("""{"a":1.5,"b":"s","c":[{"d":true},{"d":false}],"e":{"f":null}}""")]
    [InlineData("""{"a":1,"b":null,"c":[{"d":true},{"d":false}],"e":{"f":null}}""")]
    [InlineData("""{"a":1,"b":1,"c":[{"d":true},{"d":false}],"e":{"f":null}}""")]
    [InlineData("""{"a":1,"b":"s","c":[{"d":true},{}],"e":{"f":null}}""")]
    [InlineData("""{"a":1,"b":"s","c":[{"d":true},{"d":null}],"e":{"f":null}}""")]
    [InlineData("""{"a":1,"b":"s","c":[{"d":true},{"d":false}],"e":{"f":0}}""")]
    [InlineData("""{"a":1,"b":"s","c":[],"e":{"f":null}}""")]
    [InlineData("""{"a":1,"b":"s","c":[{"d":true},{"d":false}],"e":{"f":null},"g":1}""")]
    [InlineData("""{"b":"s","c":[{"d":true},{"d":false}],"e":{"f":null}}""")]
    [InlineData("""{"A":1,"b":"s","c":[{"d":true},{"d":false}],"e":{"f":null}}""")]
    [InlineData("""[{"a":1,"b":"s","c":[{"d":true},{"d":false}],"e":{"f":null}}]""")]
    public void AnyChangeOfTypeNullabilityPresenceOrPathChangesTheFingerprint(string changed)
    {
        Assert.NotEqual(Infer(Base).Fingerprint, Infer(changed).Fingerprint);
    }

    [Fact]
    public void TheFingerprintIsTheDocumentedHashOfTheCanonicalText()
    {
        var schema = Infer("""{"b":[{"c":null},{}],"a":1,"x y":true}""");

        const string canonical = "$\tobject\talways\n$.a\tinteger\talways\n$.b\tarray\talways\n$.b[]\tobject\talways\n"
            + "$.b[].c\tnull\toptional\n$['x y']\tboolean\talways\n";
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))[..16]);
        Assert.Equal(expected, schema.Fingerprint);
        Assert.Matches("^[0-9a-f]{32}$", schema.Fingerprint);
    }

    [Fact]
    public void AStoredSchemaRebuiltFromItsFieldsInAnyOrderIsTheSame()
    {
        var inferred = Infer("""{"z":1,"a.b":[{"x":1},{"y":"s"}],"it's":null,"":{"k":true},"ключ":2.5}""");

        var rebuilt = InferredSchema.FromFields(inferred.Fields.Reverse());

        Assert.Equal(inferred.Fingerprint, rebuilt.Fingerprint);
        Assert.Equal(inferred.Fields, rebuilt.Fields);
        Assert.Equal(inferred.TopLevelKeys, rebuilt.TopLevelKeys);
        Assert.False(rebuilt.Partial);
    }

    [Fact]
    public void ARebuiltSchemaKeepsWhatItIsGiven()
    {
        var inferred = Infer("""{"a":1}""");

        var rebuilt = InferredSchema.FromFields(inferred.Fields, [InferenceLimit.Fields, InferenceLimit.Fields], true, ["b", "a"]);

        Assert.Equal([InferenceLimit.Fields], rebuilt.LimitsHit);
        Assert.True(rebuilt.PayloadTruncated);
        Assert.Equal(["a", "b"], rebuilt.TopLevelKeys);
        Assert.Equal(inferred.Fingerprint, rebuilt.Fingerprint);
    }

    [Fact]
    public void ARebuiltSchemaWithoutARootObjectHasNoTopLevelKeys()
    {
        Assert.Empty(InferredSchema.FromFields(Infer("""[{"a":1}]""").Fields).TopLevelKeys);
    }

    [Fact]
    public void TwoFieldsWithOnePathAreRefused()
    {
        Assert.Throws<ArgumentException>(() => InferredSchema.FromFields([RootObject, Field("$.a", "integer"), Field("$.a", "string")]));
    }

    [Fact]
    public void TheFingerprintOfUnsortedFieldsIsThatOfTheSortedOnes()
    {
        FieldSchema[] fields = [Field("$.b", "string"), RootObject, Field("$.a", "integer|null optional")];

        Assert.Equal(InferredSchema.FromFields(fields).Fingerprint, InferredSchema.FingerprintOf(fields));
        Assert.Equal([Field("$.b", "string"), RootObject, Field("$.a", "integer|null optional")], fields);
    }
}
