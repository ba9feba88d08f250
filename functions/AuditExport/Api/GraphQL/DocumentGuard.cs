using GraphQL;
using GraphQLParser;
using GraphQLParser.AST;
using GraphQLParser.Exceptions;

namespace AuditExport.Api.GraphQL;

/// <summary>
/// Parses a request's document and bounds what it may ask for before GraphQL.NET validates or runs it. The walk
/// expands fragment spreads and stops at <see cref="MaxNodes"/>, so its own cost is bounded: 13 levels of fragments
/// over <c>possibleTypes</c>/<c>interfaces</c> (1.8 KB) asked for a 78 MB answer and grew the handler by 940 MB, and
/// GraphQL.NET's complexity rule alone took 29 s to refuse it because it expands the same fragments in full.
/// Errors name a line and column, never the text there (a document may hold a secret).
/// </summary>
public static class DocumentGuard
{
    /// <summary>Nested selections below an operation (the standard introspection query needs 13).</summary>
    public const int MaxDepth = 20;

    /// <summary>Field selections with every fragment spread expanded (the standard introspection query has about 300).</summary>
    public const int MaxNodes = 3_000;

    /// <summary>The parser's own nesting limit (values and selections); past it GraphQLParser throws instead of answering.</summary>
    private const int ParserMaxDepth = 64;

    /// <summary>The parsed document, or null with the errors to answer.</summary>
    public static GraphQLDocument? Check(string query, string? operationName, out ExecutionError? error)
    {
        GraphQLDocument document;
        try
        {
            document = Parser.Parse(query, new ParserOptions { MaxDepth = ParserMaxDepth, Ignore = IgnoreOptions.Comments });
        }
        catch (GraphQLMaxDepthExceededException)
        {
            error = new ExecutionError($"The document nests deeper than {ParserMaxDepth} levels.") { Code = "QUERY_TOO_DEEP" };
            return null;
        }
        catch (GraphQLParserException e)
        {
            error = new ExecutionError($"Syntax Error at line {e.Location.Line}, column {e.Location.Column}: {Describe(e)}") { Code = "SYNTAX_ERROR" };
            return null;
        }

        var fragments = document.Definitions.OfType<GraphQLFragmentDefinition>()
            .GroupBy(f => f.FragmentName.Name.StringValue).ToDictionary(g => g.Key, g => g.First());
        var walk = new Walk(fragments);
        foreach (var operation in document.Definitions.OfType<GraphQLOperationDefinition>())
        {
            if (operationName is not null && operation.Name?.StringValue != operationName)
            {
                continue;
            }
            var rootFields = walk.Visit(operation.SelectionSet, 1, []);
            if (walk.Failure is not null)
            {
                error = walk.Failure;
                return null;
            }
            if (rootFields > GraphQLContext.MaxOperationsPerRequest)
            {
                // Introspection fields count too: each is a walk over the schema.
                error = new ExecutionError($"A request may run at most {GraphQLContext.MaxOperationsPerRequest} operations; send the rest in another request.") { Code = "TOO_MANY_OPERATIONS" };
                return null;
            }
        }
        error = null;
        return document;
    }

    /// <summary>The parser's description names what it expected and the kind of token it found, never the token's text.</summary>
    private static string Describe(GraphQLParserException e)
    {
        var description = e.Description;
        var found = description.IndexOf(", found ", StringComparison.Ordinal);
        if (found >= 0)
        {
            var token = description[(found + ", found ".Length)..];
            var space = token.IndexOf(' ');
            return description[..found] + ", found " + (space < 0 ? token : token[..space]) + ".";
        }
        return description.Split('\n')[0].Split('"')[0].TrimEnd();
    }

    private sealed class Walk(Dictionary<string, GraphQLFragmentDefinition> fragments)
    {
        private int _nodes;

        public ExecutionError? Failure { get; private set; }

        /// <summary>Counts the fields of a selection set (fragments expanded) and walks below each.</summary>
        public int Visit(GraphQLSelectionSet? selections, int depth, HashSet<string> fragmentsOnPath)
        {
            if (selections is null || Failure is not null)
            {
                return 0;
            }
            if (depth > MaxDepth)
            {
                Failure = new ExecutionError($"The document nests selections deeper than {MaxDepth} levels.") { Code = "QUERY_TOO_DEEP" };
                return 0;
            }
            var fields = 0;
            foreach (var selection in selections.Selections)
            {
                switch (selection)
                {
                    case GraphQLField field:
                        fields++;
                        if (++_nodes > MaxNodes)
                        {
                            Failure = new ExecutionError($"The document asks for more than {MaxNodes} fields (fragments expanded); ask for less in each request.") { Code = "QUERY_TOO_COMPLEX" };
                            return fields;
                        }
                        Visit(field.SelectionSet, depth + 1, fragmentsOnPath);
                        break;
                    case GraphQLInlineFragment inline:
                        fields += Visit(inline.SelectionSet, depth, fragmentsOnPath);
                        break;
                    case GraphQLFragmentSpread spread:
                        var name = spread.FragmentName.Name.StringValue;
                        // An unknown or cyclic fragment is GraphQL.NET's validation error to report; here it adds nothing.
                        if (fragments.TryGetValue(name, out var fragment) && fragmentsOnPath.Add(name))
                        {
                            fields += Visit(fragment.SelectionSet, depth, fragmentsOnPath);
                            fragmentsOnPath.Remove(name);
                        }
                        break;
                }
                if (Failure is not null)
                {
                    return fields;
                }
            }
            return fields;
        }
    }
}
