using System.Globalization;
using AuditExport.Configurations;
using GraphQL.Types;
using GraphQLParser.AST;

namespace AuditExport.Api.GraphQL;

/// <summary>Immuta's <c>DateTime</c>: ISO-8601 in UTC to the second, <c>2007-12-03T10:15:30Z</c>.</summary>
public sealed class ImmutaDateTimeGraphType : ScalarGraphType
{
    public ImmutaDateTimeGraphType()
    {
        Name = "DateTime";
        Description = "ISO-8601 in UTC to the second, as Immuta writes it: 2007-12-03T10:15:30Z";
    }

    public static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public override object? Serialize(object? value) => value switch
    {
        null => null,
        DateTimeOffset time => Format(time),
        DateTime time => Format(new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc))),
        _ => ThrowSerializationError(value),
    };

    public override object? ParseValue(object? value) => value switch
    {
        null => null,
        string text when DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) => time,
        _ => ThrowValueConversionError(value),
    };

    public override object? ParseLiteral(GraphQLValue value) => value switch
    {
        GraphQLNullValue => null,
        GraphQLStringValue text => ParseValue((string)text.Value),
        _ => ThrowLiteralConversionError(value),
    };
}

/// <summary>
/// The interval enum. Immuta's own ADLS create example writes it as a string (<c>interval: "EVERY_12_HOURS"</c>) and its
/// update example as an enum literal (<c>interval: EVERY_2_HOURS</c>); both are accepted, as Immuta's server must.
/// </summary>
public sealed class ExportIntervalGraphType : EnumerationGraphType<ExportInterval>
{
    public ExportIntervalGraphType() => Name = "ExportInterval";

    public override bool CanParseLiteral(GraphQLValue value) =>
        value is GraphQLStringValue text ? Enum.TryParse<ExportInterval>((string)text.Value, ignoreCase: false, out _) && Enum.IsDefined(Parsed(text)) : base.CanParseLiteral(value);

    public override object? ParseLiteral(GraphQLValue value) =>
        value is GraphQLStringValue text && CanParseLiteral(value) ? Parsed(text) : base.ParseLiteral(value);

    private static ExportInterval Parsed(GraphQLStringValue text) => Enum.Parse<ExportInterval>((string)text.Value);
}

/// <summary>Immuta's <c>User</c> (its API reference selects <c>createdBy { ...UserFragment }</c>): here the Entra principal.</summary>
public sealed class UserGraphType : ObjectGraphType<ChangedBy>
{
    public UserGraphType()
    {
        Name = "User";
        Description = "Who made a change: the Entra principal App Service Authentication forwarded (a function key alone: \"function key\")";
        Field<IdGraphType>("id").Description("The principal's object id").Resolve(c => c.Source.Id);
        Field<StringGraphType>("name").Description("The principal's name (a user's sign-in name, an application's client id)").Resolve(c => c.Source.Name);
        Field<StringGraphType>("authType").Description("How it signed in (aad)").Resolve(c => c.Source.AuthType);
    }
}
