namespace Crm.SharedKernel.Documents;

/// <summary>Ids are time-ordered (UUID v7, 32 hex digits), so sorting by id is sorting by creation.</summary>
public static class DocumentId
{
    public static string New() => Guid.CreateVersion7().ToString("N");

    public static string New(TimeProvider time) => Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
}
