global using Crm.Host.Tests.Support;
global using Crm.Testing;
global using NUnit.Framework;
