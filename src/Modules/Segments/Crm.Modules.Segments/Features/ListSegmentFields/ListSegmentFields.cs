using Carter;
using Crm.Modules.Segments.Audience;
using Crm.Modules.Segments.Contracts;
using Crm.SharedKernel.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Crm.Modules.Segments.Features.ListSegmentFields;

internal sealed record SegmentFieldsResponse(IReadOnlyList<SegmentField> Fields, IReadOnlyDictionary<string, string> OperatorAliases);

/// <summary>
/// The field catalog a rule builder needs: built-in fields, then every custom attribute seen on a customer with
/// the type its first value had. Read straight from the catalog and the index; no request object is worth it.
/// </summary>
internal sealed class ListSegmentFieldsEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        SegmentsApi.Group(app, Permissions.SegmentsRead)
            .MapGet("/fields", Handle)
            .WithName("ListSegmentFields")
            .WithSummary("Every segmentable field with its type, label and allowed operators, custom attributes included.")
            .Produces<SegmentFieldsResponse>();

    private static IResult Handle(AudienceIndex index) =>
        TypedResults.Ok(new SegmentFieldsResponse(
            [.. SegmentFieldCatalog.Fields, .. index.AttributeFields()],
            SegmentOperators.Aliases));
}
