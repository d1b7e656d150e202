/**
 * Which input changes make the engine replace a resource, per resource type capblocks uses: the table of
 * docs/replacements.md as data (tests/helpers/replacements.test.ts keeps the two equal). Paths are the Pulumi
 * input names as the offline mocks record them; a rule path also covers everything below it.
 *
 * Bridged `@pulumi/aws` resources replace when a terraform-provider-aws schema field marked ForceNew changes
 * (the provider plans the change as "requires replacement", and Pulumi replaces). `@pulumi/aws-native`
 * resources replace on the CloudFormation schema's createOnlyProperties, which the generated SDK passes as the
 * `replaceOnChanges` resource option. Dynamic providers replace only where their own diff says so.
 */

export interface ReplacementRule {
    /** Input paths whose change forces a replacement. */
    forceNew: string[];
    /** Where the rule comes from (docs/replacements.md cites the same). */
    source: string;
    /**
     * For resources that hold the user's data: whether a replacement with these new inputs starts from the old
     * data (a snapshot, a backup). Absent: the resource holds no data.
     */
    startsWithData?: (inputs: Record<string, unknown>) => boolean;
}

const TF = "terraform-provider-aws";

export const REPLACEMENT_RULES: Record<string, ReplacementRule> = {
    "aws:ebs/volume:Volume": {
        forceNew: ["availabilityZone", "encrypted", "kmsKeyId", "multiAttachEnabled", "outpostArn", "snapshotId"],
        source: `${TF} internal/service/ec2/ebs_volume.go`,
        startsWithData: (inputs) => typeof inputs.snapshotId === "string" && inputs.snapshotId !== "",
    },
    "aws:ebs/snapshot:Snapshot": {
        forceNew: ["volumeId", "description", "outpostArn"],
        source: `${TF} internal/service/ec2/ebs_snapshot.go`,
    },
    "aws:ec2/volumeAttachment:VolumeAttachment": {
        forceNew: ["deviceName", "instanceId", "volumeId"],
        source: `${TF} internal/service/ec2/ebs_volume_attachment.go`,
    },
    "aws:ec2/instance:Instance": {
        // launchTemplate.version: CustomizeDiff forces a new instance when the instance runs another version.
        forceNew: ["ami", "associatePublicIpAddress", "availabilityZone", "keyName", "launchTemplate.id", "launchTemplate.name", "launchTemplate.version", "placementGroup", "privateIp", "subnetId", "tenancy"],
        source: `${TF} internal/service/ec2/ec2_instance.go`,
    },
    "aws:ec2/launchTemplate:LaunchTemplate": {
        // Every input capblocks sets is an update: a new version (resourceLaunchTemplateUpdate → CreateLaunchTemplateVersion).
        forceNew: [],
        source: `${TF} internal/service/ec2/ec2_launch_template.go`,
    },
    "aws:ec2/securityGroup:SecurityGroup": {
        forceNew: ["description", "name", "namePrefix", "vpcId"],
        source: `${TF} internal/service/ec2/vpc_security_group.go`,
    },
    "aws:ec2/subnet:Subnet": {
        forceNew: ["availabilityZone", "availabilityZoneId", "cidrBlock", "vpcId", "ipv6Native", "outpostArn"],
        source: `${TF} internal/service/ec2/vpc_subnet.go`,
    },
    "aws:ec2/routeTableAssociation:RouteTableAssociation": {
        forceNew: ["subnetId", "gatewayId"],
        source: `${TF} internal/service/ec2/vpc_route_table_association.go`,
    },
    "aws:ec2/natGateway:NatGateway": {
        forceNew: ["allocationId", "connectivityType", "privateIp", "subnetId"],
        source: `${TF} internal/service/ec2/vpc_nat_gateway.go`,
    },
    "aws:efs/fileSystem:FileSystem": {
        forceNew: ["availabilityZoneName", "creationToken", "encrypted", "kmsKeyId", "performanceMode"],
        source: `${TF} internal/service/efs/file_system.go`,
        // EFS has no "create from" input: a replaced file system is always empty.
        startsWithData: () => false,
    },
    "aws:efs/mountTarget:MountTarget": {
        forceNew: ["fileSystemId", "subnetId", "ipAddress"],
        source: `${TF} internal/service/efs/mount_target.go`,
    },
    "aws:fsx/lustreFileSystem:LustreFileSystem": {
        forceNew: ["backupId", "deploymentType", "kmsKeyId", "perUnitStorageThroughput", "securityGroupIds", "storageType", "subnetIds", "driveCacheType", "exportPath", "importPath"],
        source: `${TF} internal/service/fsx/lustre_file_system.go`,
        startsWithData: (inputs) => typeof inputs.backupId === "string" && inputs.backupId !== "",
    },
    "aws:imagebuilder/component:Component": {
        // Components are immutable versions: the update is tags only.
        forceNew: ["changeDescription", "data", "description", "kmsKeyId", "name", "platform", "supportedOsVersions", "uri", "version"],
        source: `${TF} internal/service/imagebuilder/component.go`,
    },
    "aws:imagebuilder/imageRecipe:ImageRecipe": {
        forceNew: ["amiTags", "blockDeviceMappings", "components", "description", "name", "parentImage", "systemsManagerAgent", "userDataBase64", "version", "workingDirectory"],
        source: `${TF} internal/service/imagebuilder/image_recipe.go`,
    },
    "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration": {
        forceNew: ["name"],
        source: `${TF} internal/service/imagebuilder/infrastructure_configuration.go`,
    },
    "aws:imagebuilder/distributionConfiguration:DistributionConfiguration": {
        forceNew: ["name"],
        source: `${TF} internal/service/imagebuilder/distribution_configuration.go`,
    },
    "aws:imagebuilder/image:Image": {
        forceNew: ["containerRecipeArn", "distributionConfigurationArn", "enhancedImageMetadataEnabled", "imageRecipeArn", "imageTestsConfiguration", "infrastructureConfigurationArn"],
        source: `${TF} internal/service/imagebuilder/image.go`,
    },
    "aws:fsx/dataRepositoryAssociation:DataRepositoryAssociation": {
        forceNew: ["dataRepositoryPath", "fileSystemId", "fileSystemPath"],
        source: `${TF} internal/service/fsx/data_repository_association.go`,
    },
    "aws-native:pcs:Cluster": {
        forceNew: ["name", "networking", "size"],
        source: "@pulumi/aws-native pcs/cluster.js replaceOnChanges (AWS::PCS::Cluster createOnlyProperties)",
    },
    "aws-native:pcs:ComputeNodeGroup": {
        forceNew: ["clusterId", "instanceConfigs", "name"],
        source: "@pulumi/aws-native pcs/computeNodeGroup.js replaceOnChanges (AWS::PCS::ComputeNodeGroup createOnlyProperties)",
    },
    "aws-native:pcs:Queue": {
        forceNew: ["clusterId", "name"],
        source: "@pulumi/aws-native pcs/queue.js replaceOnChanges (AWS::PCS::Queue createOnlyProperties)",
    },
    "pulumi-nodejs:dynamic/capblocks:CapacityBlock": {
        // Its diff replaces only when generation changes (a deliberate second purchase).
        forceNew: ["generation"],
        source: "dynamic-providers/capacityBlock/diff.ts",
    },
    "pulumi-nodejs:dynamic/capblocks:SsmTasks": {
        forceNew: [],
        source: "dynamic-providers/ssmTasks/provider.ts (its diff never replaces)",
    },
};
