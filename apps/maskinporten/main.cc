#include <iostream>
int main() { std::cout << "maskinporten\n"; }
