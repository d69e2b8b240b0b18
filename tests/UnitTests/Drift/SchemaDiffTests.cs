using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Schemas;
using static ConnectorHealth.UnitTests.Drift.DriftTestSupport;

namespace ConnectorHealth.UnitTests.Drift;

public class SchemaDiffTests
{
    private static readonly CompatibilityMode[] Modes = Enum.GetValues<CompatibilityMode>();

    [Theory]
    [InlineData("integer", "number", "TypeWidened")]
    [InlineData("integer", "integer|string", "TypeWidened")]
    [InlineData("integer|number", "number", "TypeWidened")]
    [InlineData("number", "integer", "TypeNarrowed")]
    [InlineData("integer|string", "string", "TypeNarrowed")]
    [InlineData("number", "string", "TypeChanged")]
    [InlineData("string", "object", "TypeChanged")]
    [InlineData("integer|string", "number|boolean", "TypeChanged")]
    [InlineData("string", "string|null", "BecameNullable")]
    [InlineData("string|null", "string", "StoppedBeingNullable")]
    [InlineData("integer", "number|null", "TypeWidened,BecameNullable")]
    [InlineData("number|null", "integer", "TypeNarrowed,StoppedBeingNullable")]
    [InlineData("string", "null", "BecameNullable")]
    [InlineData("null", "string", "")]
    [InlineData("null optional", "string", "BecameRequired")]
    [InlineData("string|null", "null", "")]
    [InlineData("string", "string optional", "BecameOptional")]
    [InlineData("string optional", "string", "BecameRequired")]
    [InlineData("integer", "number|null optional", "TypeWidened,BecameNullable,BecameOptional")]
    [InlineData("string|object", "object|string", "")]
    public void AFieldInBothVersionsYieldsOneChangePerDifference(string before, string after, string expected)
    {
        var changes = SchemaDiff.Compare([RootObject, Field("$.f", before)], [RootObject, Field("$.f", after)], CompatibilityMode.None);

        Assert.Equal(expected, string.Join(',', changes.Select(c => c.Kind)));
        Assert.All(changes, c =>
        {
            Assert.Equal("$.f", c.Path);
            Assert.Equal(before.Replace(" optional", ""), c.Before);
            Assert.Equal(JsonTypesText.Format(Field("$.f", after).Types, Field("$.f", after).Nullable), c.After);
            Assert.False(c.Guess);
            Assert.Null(c.PreviousPath);
        });
    }

    [Fact]
    public void AnAddedFieldHasOnlyAnAfterAndARemovedOneOnlyABefore()
    {
        var changes = SchemaDiff.Compare([RootObject, Field("$.gone", "integer|null")], [RootObject, Field("$.new", "string|object")], CompatibilityMode.None);

        Assert.Equal(
            [
                new SchemaChange("$.gone", SchemaChangeKind.FieldRemoved, "integer|null", null, false),
                new SchemaChange("$.new", SchemaChangeKind.FieldAdded, null, "string|object", false),
            ],
            changes);
    }

    // Confluent's meanings: backward = new readers read old data; forward = old readers read new data.
    [Theory]
    [InlineData(SchemaChangeKind.FieldAdded, true, true, false)]
    [InlineData(SchemaChangeKind.FieldAdded, false, false, false)]
    [InlineData(SchemaChangeKind.FieldRemoved, true, false, true)]
    [InlineData(SchemaChangeKind.FieldRemoved, false, false, false)]
    [InlineData(SchemaChangeKind.TypeWidened, true, false, true)]
    [InlineData(SchemaChangeKind.TypeNarrowed, true, true, false)]
    [InlineData(SchemaChangeKind.TypeChanged, true, true, true)]
    [InlineData(SchemaChangeKind.BecameNullable, true, false, true)]
    [InlineData(SchemaChangeKind.StoppedBeingNullable, true, true, false)]
    [InlineData(SchemaChangeKind.BecameOptional, true, false, true)]
    [InlineData(SchemaChangeKind.BecameRequired, true, true, false)]
    [InlineData(SchemaChangeKind.Renamed, true, true, true)]
    [InlineData(SchemaChangeKind.Renamed, false, false, false)]
    public void EachKindOfChangeBreaksUnderItsModes(SchemaChangeKind kind, bool required, bool backward, bool forward)
    {
        var (from, to) = Scenario(kind, required);
        var expected = new Dictionary<CompatibilityMode, bool>
        {
            [CompatibilityMode.Backward] = backward,
            [CompatibilityMode.Forward] = forward,
            [CompatibilityMode.Full] = backward || forward,
            [CompatibilityMode.None] = false,
        };

        foreach (var mode in Modes)
        {
            var change = Assert.Single(SchemaDiff.Compare(from, to, mode));
            Assert.Equal(kind, change.Kind);
            Assert.Equal(expected[mode], change.Breaking);
            Assert.Equal(expected[mode], SchemaDiff.IsBreaking([change]));
            Assert.Equal(expected[mode], SchemaDiff.Breaks(kind, mode, required));
        }
    }

    [Fact]
    public void ALoneRemovedAndAddedScalarOfOneShapeAtOneLevelIsAGuessedRename()
    {
        var change = Assert.Single(SchemaDiff.Compare(
            Infer("""{"id":1,"old_name":"x"}""").Fields, Infer("""{"id":2,"new_name":"y"}""").Fields, CompatibilityMode.Forward));

        Assert.Equal(new SchemaChange("$.new_name", SchemaChangeKind.Renamed, "string", "string", true, "$.old_name", Guess: true), change);
    }

    [Theory]
    [InlineData("""{"a.b":{"old":1}}""", """{"a.b":{"new":2}}""", "$['a.b'].new", "$['a.b'].old")]
    [InlineData("""{"it's":{"x\\y":true}}""", """{"it's":{"z]":false}}""", @"$['it\'s']['z]']", @"$['it\'s']['x\\y']")]
    [InlineData("""[{"old":1,"k":"v"}]""", """[{"new":2,"k":"v"}]""", "$[].new", "$[].old")]
    [InlineData("""{"m":[[{"p":null}]]}""", """{"m":[[{"q":null}]]}""", "$.m[][].q", "$.m[][].p")]
    public void RenamesAreGuessedUnderAnyParent(string before, string after, string path, string previous)
    {
        var change = Assert.Single(SchemaDiff.Compare(Infer(before).Fields, Infer(after).Fields, CompatibilityMode.Backward));

        Assert.Equal((SchemaChangeKind.Renamed, path, previous, true), (change.Kind, change.Path, change.PreviousPath, change.Guess));
    }

    [Theory]
    [InlineData("""{"a":1,"b":2}""", """{"c":3}""")]
    [InlineData("""{"a":1}""", """{"b":2,"c":3}""")]
    [InlineData("""{"a":1}""", """{"b":"x"}""")]
    [InlineData("""{"a":1}""", """{"b":1.5}""")]
    [InlineData("""{"a":1}""", """{"b":null}""")]
    [InlineData("""[{"a":1},{"a":2}]""", """[{"b":1},{}]""")]
    [InlineData("""{"a":{"x":1}}""", """{"b":{"x":1}}""")]
    [InlineData("""{"a":[1]}""", """{"b":[1]}""")]
    [InlineData("""{"p":{"a":1},"q":{}}""", """{"p":{},"q":{"b":1}}""")]
    public void NoRenameIsGuessedWhenAmbiguousOrOfAnotherShape(string before, string after)
    {
        var changes = SchemaDiff.Compare(Infer(before).Fields, Infer(after).Fields, CompatibilityMode.Full);

        Assert.DoesNotContain(changes, c => c.Kind == SchemaChangeKind.Renamed || c.Guess || c.PreviousPath is not null);
        Assert.Contains(changes, c => c.Kind == SchemaChangeKind.FieldRemoved);
        Assert.Contains(changes, c => c.Kind == SchemaChangeKind.FieldAdded);
    }

    [Fact]
    public void AnAmountReplacingAValueIsTwoAdditionsAndARemovalNotARename()
    {
        var a = Infer("""{"user_id":123,"value":42,"version":1}""");
        var b = Infer("""{"user_id":123,"amount":42.0,"currency":"EUR","version":2}""");

        var changes = SchemaDiff.Compare(a.Fields, b.Fields, CompatibilityMode.Backward);

        Assert.Equal(
            [
                new SchemaChange("$.amount", SchemaChangeKind.FieldAdded, null, "number", true),
                new SchemaChange("$.currency", SchemaChangeKind.FieldAdded, null, "string", true),
                new SchemaChange("$.value", SchemaChangeKind.FieldRemoved, "integer", null, false),
            ],
            changes);
        Assert.NotEqual(a.Fingerprint, b.Fingerprint);
    }

    [Fact]
    public void IdsTotalsAndQuantitiesTurnedToStringsAreTypeChanges()
    {
        var before = Infer("""{"order":{"id":1001,"total":99.5,"lines":[{"sku":"A-1","qty":2}]},"customer":{"id":7,"tier":"gold"}}""");
        var after = Infer("""{"order":{"id":"1001","total":"99.5","lines":[{"sku":"A-1","qty":"2"}]},"customer":{"id":"7","tier":"gold"}}""");

        var changes = SchemaDiff.Compare(before.Fields, after.Fields, CompatibilityMode.Backward);

        Assert.Equal(
            [
                new SchemaChange("$.customer.id", SchemaChangeKind.TypeChanged, "integer", "string", true),
                new SchemaChange("$.order.id", SchemaChangeKind.TypeChanged, "integer", "string", true),
                new SchemaChange("$.order.lines[].qty", SchemaChangeKind.TypeChanged, "integer", "string", true),
                new SchemaChange("$.order.total", SchemaChangeKind.TypeChanged, "number", "string", true),
            ],
            changes);
        Assert.True(SchemaDiff.IsBreaking(changes));
    }

    [Fact]
    public void AnEmailThatTurnsNullBecameNullableButOneSeenOnlyNullJustGotItsType()
    {
        var present = Infer("""{"user_id":123,"email":"user@example.com","score":0.87}""").Fields;
        var missing = Infer("""{"user_id":123,"email":null,"score":0.87}""").Fields;

        Assert.Equal(
            [new SchemaChange("$.email", SchemaChangeKind.BecameNullable, "string", "null", true)],
            SchemaDiff.Compare(present, missing, CompatibilityMode.Forward));
        // Seen only as null, the field had no type: its first one is not a change under any mode.
        foreach (var mode in Enum.GetValues<CompatibilityMode>())
        {
            Assert.Empty(SchemaDiff.Compare(missing, present, mode));
        }
        Assert.False(SchemaDiff.IsBreaking(SchemaDiff.Compare(present, missing, CompatibilityMode.Backward)));
    }

    [Fact]
    public void ChangesAreSortedByPathThenKind()
    {
        FieldSchema[] from = [RootObject, Field("$.b", "integer"), Field("$.a", "string"), Field("$.a.x", "null"), Field("$.z", "boolean")];
        FieldSchema[] to = [Field("$.c", "object"), RootObject, Field("$.b", "number|null optional"), Field("$.a", "object"), Field("$.a[]", "string")];

        var changes = SchemaDiff.Compare(from, to, CompatibilityMode.Full);

        Assert.Equal(
            ["$.a TypeChanged", "$.a.x FieldRemoved", "$.a[] FieldAdded", "$.b TypeWidened", "$.b BecameNullable", "$.b BecameOptional", "$.c FieldAdded", "$.z FieldRemoved"],
            changes.Select(c => $"{c.Path} {c.Kind}"));
    }

    [Fact]
    public void IdenticalSchemasHaveNoChanges()
    {
        var fields = Infer("""{"a":[{"b":1},{"c":null}],"d":"x"}""").Fields;

        Assert.Empty(SchemaDiff.Compare(fields, fields.Reverse().ToList(), CompatibilityMode.Full));
    }

    [Fact]
    public void TwoFieldsWithOnePathAreRefused()
    {
        Assert.Throws<ArgumentException>(() =>
            SchemaDiff.Compare([RootObject, Field("$.a", "integer"), Field("$.a", "string")], [RootObject], CompatibilityMode.Full));
    }

    private static (FieldSchema[] From, FieldSchema[] To) Scenario(SchemaChangeKind kind, bool required)
    {
        var shape = required ? "string" : "string|null";
        return kind switch
        {
            SchemaChangeKind.FieldAdded => ([RootObject], [RootObject, Field("$.f", shape)]),
            SchemaChangeKind.FieldRemoved => ([RootObject, Field("$.f", shape)], [RootObject]),
            SchemaChangeKind.TypeWidened => ([RootObject, Field("$.f", "integer")], [RootObject, Field("$.f", "number")]),
            SchemaChangeKind.TypeNarrowed => ([RootObject, Field("$.f", "number")], [RootObject, Field("$.f", "integer")]),
            SchemaChangeKind.TypeChanged => ([RootObject, Field("$.f", "string")], [RootObject, Field("$.f", "boolean")]),
            SchemaChangeKind.BecameNullable => ([RootObject, Field("$.f", "string")], [RootObject, Field("$.f", "string|null")]),
            SchemaChangeKind.StoppedBeingNullable => ([RootObject, Field("$.f", "string|null")], [RootObject, Field("$.f", "string")]),
            SchemaChangeKind.BecameOptional => ([RootObject, Field("$.f", "string")], [RootObject, Field("$.f", "string optional")]),
            SchemaChangeKind.BecameRequired => ([RootObject, Field("$.f", "string optional")], [RootObject, Field("$.f", "string")]),
            SchemaChangeKind.Renamed => ([RootObject, Field("$.old", shape)], [RootObject, Field("$.new", shape)]),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}
