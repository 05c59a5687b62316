"""The pages the service serves to browsers: GraphiQL and the live reaction monitor."""
