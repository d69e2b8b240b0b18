using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Schemas;
using CsCheck;

namespace ConnectorHealth.UnitTests.Drift;

public sealed class DatasetTypesTests
{
    [Theory]
    [InlineData("VARCHAR", "string")]
    [InlineData("varchar(255)", "string")]
    [InlineData("CHAR(1)", "string")]
    [InlineData("TEXT", "string")]
    [InlineData("STRING", "string")]
    [InlineData("character varying", "string")]
    [InlineData("Character  Varying (40)", "string")]
    [InlineData("INT", "integer")]
    [InlineData("INTEGER", "integer")]
    [InlineData("BIGINT", "integer")]
    [InlineData("smallint", "integer")]
    [InlineData("TINYINT", "integer")]
    [InlineData("LONG", "integer")]
    [InlineData("INT64", "integer")]
    [InlineData("DECIMAL(10,2)", "number")]
    [InlineData("numeric", "number")]
    [InlineData("DOUBLE", "number")]
    [InlineData("FLOAT", "number")]
    [InlineData("REAL", "number")]
    [InlineData("double precision", "number")]
    [InlineData("BOOLEAN", "boolean")]
    [InlineData("bool", "boolean")]
    [InlineData("TIMESTAMP", "string(date-time)")]
    [InlineData("TIMESTAMP_NTZ", "string(date-time)")]
    [InlineData("TIMESTAMPTZ", "string(date-time)")]
    [InlineData("timestamp with time zone", "string(date-time)")]
    [InlineData("timestamp(6) without time zone", "string(date-time)")]
    [InlineData("DATETIME", "string(date-time)")]
    [InlineData("DATE", "string(date)")]
    [InlineData("TIME", "string(time)")]
    [InlineData("STRUCT<a: INT, b: STRING>", "object")]
    [InlineData("RECORD", "object")]
    [InlineData("ROW(a INT)", "object")]
    [InlineData("ARRAY<STRING>", "array")]
    [InlineData("list", "array")]
    [InlineData("integer[]", "array")]
    [InlineData("GEOGRAPHY", "other(geography)")]
    [InlineData("  Geography  (Point, 4326) ", "other(geography)")]
    [InlineData("", "none")]
    [InlineData(null, "none")]
    public void ProducersTypeStringsAreReadIntoDriftTypes(string? type, string expected)
    {
        var (types, detail) = DatasetTypes.Kind(type);
        Assert.Equal(expected, new FieldSchema("$.c", types, false, false, detail).TypeText);
    }

    [Fact]
    public void ParametersAreNotDrift()
    {
        Assert.Equal(DatasetTypes.Kind("VARCHAR(10)"), DatasetTypes.Kind("varchar (255)"));
        Assert.Equal(DatasetTypes.Kind("DECIMAL(10,2)"), DatasetTypes.Kind("decimal(38, 9)"));
        var before = DatasetSchemas.FromFacet([new DatasetField("name", "VARCHAR(10)")]);
        var after = DatasetSchemas.FromFacet([new DatasetField("name", "varchar(255)")]);
        Assert.Equal(before.Fingerprint, after.Fingerprint);
        Assert.Empty(SchemaDiff.Compare(before.Fields, after.Fields, CompatibilityMode.Full));
    }

    [Fact]
    public void IntegerToNumberIsWidenedAsInPayloads()
    {
        var before = DatasetSchemas.FromFacet([new DatasetField("amount", "INT")]);
        var after = DatasetSchemas.FromFacet([new DatasetField("amount", "DECIMAL(12,2)")]);
        var change = Assert.Single(SchemaDiff.Compare(before.Fields, after.Fields, CompatibilityMode.Forward));
        Assert.Equal(SchemaChangeKind.TypeWidened, change.Kind);
        Assert.True(change.Breaking);
    }

    [Fact]
    public void UnknownTypesAreEqualOnlyToTheSameText()
    {
        var geography = DatasetSchemas.FromFacet([new DatasetField("area", "GEOGRAPHY")]);
        var same = DatasetSchemas.FromFacet([new DatasetField("area", " geography ")]);
        var other = DatasetSchemas.FromFacet([new DatasetField("area", "GEOMETRY")]);
        var text = DatasetSchemas.FromFacet([new DatasetField("area", "STRING")]);
        Assert.Equal(geography.Fingerprint, same.Fingerprint);
        Assert.Equal(SchemaChangeKind.TypeChanged, Assert.Single(SchemaDiff.Compare(geography.Fields, other.Fields, CompatibilityMode.None)).Kind);
        Assert.Equal(SchemaChangeKind.TypeChanged, Assert.Single(SchemaDiff.Compare(geography.Fields, text.Fields, CompatibilityMode.None)).Kind);
    }

    [Fact]
    public void ATimestampBecomingTextIsWidenedAndTheOtherWayNarrowed()
    {
        var timestamp = DatasetSchemas.FromFacet([new DatasetField("at", "TIMESTAMP")]);
        var text = DatasetSchemas.FromFacet([new DatasetField("at", "VARCHAR")]);
        Assert.Equal(SchemaChangeKind.TypeWidened, Assert.Single(SchemaDiff.Compare(timestamp.Fields, text.Fields, CompatibilityMode.None)).Kind);
        Assert.Equal(SchemaChangeKind.TypeNarrowed, Assert.Single(SchemaDiff.Compare(text.Fields, timestamp.Fields, CompatibilityMode.None)).Kind);
    }

    [Fact]
    public void NestedFieldsAndArrayItemsHaveTheirOwnPaths()
    {
        var schema = DatasetSchemas.FromFacet(
        [
            new DatasetField("id", "BIGINT"),
            new DatasetField("customer", "STRUCT", [new DatasetField("name", "STRING"), new DatasetField("address", null, [new DatasetField("city", "STRING")])]),
            new DatasetField("tags", "ARRAY<STRING>"),
            new DatasetField("lines", "ARRAY", [new DatasetField("sku", "STRING"), new DatasetField("qty", "INT")]),
            new DatasetField("id", "STRING"),
        ]);
        Assert.Equal(
            [
                "$.customer: object", "$.customer.address: object", "$.customer.address.city: string", "$.customer.name: string",
                "$.id: integer", "$.lines: array", "$.lines[]: object", "$.lines[].qty: integer", "$.lines[].sku: string",
                "$.tags: array", "$.tags[]: string",
            ],
            schema.Fields.Select(f => $"{f.Path}: {f.TypeText}"));
        Assert.Equal(["customer", "id", "lines", "tags"], schema.TopLevelKeys);
    }

    [Fact]
    public void PayloadFingerprintsAreUnchangedByDetails()
    {
        // A field without a detail hashes as before details existed.
        var fields = new[] { new FieldSchema("$", JsonTypes.Object, false, false), new FieldSchema("$.a", JsonTypes.Integer, false, false) };
        Assert.Equal(DriftTestSupport.Infer("""{"a":1}""").Fingerprint, InferredSchema.FingerprintOf(fields));
    }

    [Fact]
    public void UnknownTypesKeepAtMostTheirFirstCharacters()
    {
        var (types, detail) = DatasetTypes.Kind(new string('x', 2_000));
        Assert.Equal((JsonTypes.None, DatasetTypes.MaxUnknownLength), (types, detail!.Length));
        Assert.Equal((types, detail), DatasetTypes.Kind(detail));
    }

    [Fact]
    public void PathsPastTheLimitAreLeftOutAndTheSchemaIsPartial()
    {
        var schema = DatasetSchemas.FromFacet(
            [new DatasetField("id", "INT"), new DatasetField(new string('a', 600), "INT"), new DatasetField("s", "STRUCT", [new DatasetField(new string('b', 600), "INT")])],
            maxPathLength: 512);
        Assert.Equal(["$.id", "$.s"], schema.Fields.Select(f => f.Path));
        Assert.Equal([InferenceLimit.PathLength], schema.LimitsHit);
    }

    private static readonly Gen<string> TypeStrings = Gen.OneOf(
        Gen.String[0, 60],
        Gen.String[190, 260],
        Gen.Char.Array[0, 80].Select(chars => new string(chars)),
        Gen.Select(OneOf("varchar", "VARCHAR ( 10 )", "Decimal(10, 2)", "timestamp with time zone", "array<struct<a: int>>", "int[]",
                "STRUCT<", ")))((", "<<>>", "  ", "\t\n", "geography(point,4326)", "time  without   time zone", "İNT", "ǅ"),
            Gen.String[0, 8], Gen.Bool)
            .Select((known, noise, before) => before ? noise + known : known + noise));

    private static Gen<string> OneOf(params string[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    [Fact]
    public void NormalisingNeverThrowsAndIsIdempotent()
    {
        TypeStrings.Sample(type =>
        {
            var once = DatasetTypes.Normalise(type);
            Assert.Equal(once, DatasetTypes.Normalise(once));
            Assert.Equal(DatasetTypes.Kind(type), DatasetTypes.Kind(once));
            var (types, detail) = DatasetTypes.Kind(type);
            if (detail is not null && types == JsonTypes.None)
            {
                // An unknown type's text reads as itself again.
                Assert.Equal((types, detail), DatasetTypes.Kind(detail));
            }
            _ = DatasetTypes.ItemType(type);
        }, iter: 20_000);
    }

    [Fact]
    public void AnyFacetBuildsASchema()
    {
        var names = Gen.OneOf(Gen.String[0, 6], OneOf("a", "b", "a.b", "[]", "'", ""));
        var leaf = Gen.Select(names, TypeStrings).Select((name, type) => new DatasetField(name, type));
        var nested = Gen.Select(names, TypeStrings, leaf.List[0, 4]).Select((name, type, fields) => new DatasetField(name, type, fields));
        Gen.OneOf(leaf, nested).List[0, 12].Sample(fields =>
        {
            var schema = DatasetSchemas.FromFacet(fields);
            Assert.Equal(schema.Fingerprint, DatasetSchemas.FromFacet(fields).Fingerprint);
            Assert.Equal(schema.Fields.Count, schema.Fields.Select(f => f.Path).Distinct().Count());
            _ = DatasetSchemas.SampleRow(fields).ToJsonString();
        }, iter: 5_000);
    }
}
