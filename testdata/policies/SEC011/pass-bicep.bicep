@secure()
param dbPassword string
param adminUser string = 'azureuser'

output user string = adminUser
