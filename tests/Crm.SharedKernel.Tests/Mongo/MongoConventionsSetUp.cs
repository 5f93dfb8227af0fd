using Crm.SharedKernel.Infrastructure.Mongo;
using NUnit.Framework;

namespace Crm.SharedKernel.Tests;

/// <summary>
/// The driver fixes a type's BSON shape the first time anything asks for it, and several fixtures here ask directly
/// (rendering filters without a store). Registering the store's conventions before any of them runs keeps every
/// fixture seeing the shape the store writes, whatever order the fixtures run in.
/// </summary>
[SetUpFixture]
public sealed class MongoConventionsSetUp
{
    [OneTimeSetUp]
    public void RegisterStoreConventions() => MongoConventions.EnsureRegistered();
}
